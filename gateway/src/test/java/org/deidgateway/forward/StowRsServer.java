package org.deidgateway.forward;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;

import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A STOW-RS peer on 127.0.0.1 for tests, on the JDK's HTTP(S) server: it reads every request in
 * full, parses the multipart body back into its parts (the test's check that the body is
 * well-formed), records it, and answers what the test's responder says.
 */
final class StowRsServer implements AutoCloseable {

    /** One received request: headers as the server saw them, and each part's headers and bytes. */
    record Request(String method, String path, Map<String, List<String>> headers, List<Part> parts) {
        String header(String name) {
            return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name))
                    .map(e -> e.getValue().get(0)).findFirst().orElse(null);
        }
    }

    record Part(String headers, byte[] bytes) {
    }

    /** What to answer; {@code stalls} makes the server read the request and never answer. */
    record Reply(int status, String contentType, String body, Map<String, String> headers, boolean stalls) {
        static Reply of(int status) {
            return new Reply(status, null, null, Map.of(), false);
        }

        static Reply json(int status, String body) {
            return new Reply(status, "application/dicom+json", body, Map.of(), false);
        }

        static Reply stall() {
            return new Reply(0, null, null, Map.of(), true);
        }

        Reply withHeader(String name, String value) {
            Map<String, String> more = new java.util.HashMap<>(headers);
            more.put(name, value);
            return new Reply(status, contentType, body, more, stalls);
        }
    }

    private final HttpServer server;
    private final ExecutorService executor = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "stow-rs-test-server");
        t.setDaemon(true);
        return t;
    });
    private final List<Request> requests = new ArrayList<>();
    /** Requests whose body was not a well-formed multipart body, and why. */
    final List<String> malformed = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final CountDownLatch released = new CountDownLatch(1);
    private volatile Function<Request, Reply> responder = r -> Reply.of(200);

    private StowRsServer(HttpServer server) {
        this.server = server;
        server.createContext("/", this::handle);
        server.setExecutor(executor);
        server.start();
    }

    static StowRsServer http() throws IOException {
        return new StowRsServer(HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16));
    }

    static StowRsServer https(SSLContext context) throws IOException {
        HttpsServer server = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        server.setHttpsConfigurator(new HttpsConfigurator(context));
        return new StowRsServer(server);
    }

    /** An HTTPS server that offers only {@code protocol} with {@code cipherSuite}, to see what a client refuses. */
    static StowRsServer httpsOnly(SSLContext context, String protocol, String cipherSuite) throws IOException {
        HttpsServer server = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        server.setHttpsConfigurator(new HttpsConfigurator(context) {
            @Override
            public void configure(com.sun.net.httpserver.HttpsParameters parameters) {
                javax.net.ssl.SSLParameters ssl = context.getDefaultSSLParameters();
                ssl.setProtocols(new String[] {protocol});
                ssl.setCipherSuites(new String[] {cipherSuite});
                parameters.setSSLParameters(ssl);
            }
        });
        return new StowRsServer(server);
    }

    void respond(Function<Request, Reply> responder) {
        this.responder = responder;
    }

    URI uri() {
        String scheme = server instanceof HttpsServer ? "https" : "http";
        return URI.create(scheme + "://127.0.0.1:" + server.getAddress().getPort() + "/dicom-web/studies");
    }

    int port() {
        return server.getAddress().getPort();
    }

    synchronized List<Request> requests() {
        return List.copyOf(requests);
    }

    @Override
    public void close() {
        released.countDown();
        server.stop(0);
        executor.shutdownNow();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            byte[] body = exchange.getRequestBody().readAllBytes();
            List<Part> parts;
            try {
                parts = parts(exchange.getRequestHeaders().getFirst("Content-Type"), body);
            } catch (IllegalStateException e) {
                malformed.add(e.getMessage());
                exchange.sendResponseHeaders(400, -1);
                return;
            }
            Request request = new Request(exchange.getRequestMethod(), exchange.getRequestURI().toString(),
                    Map.copyOf(exchange.getRequestHeaders()), parts);
            synchronized (this) {
                requests.add(request);
            }
            Reply reply = responder.apply(request);
            if (reply.stalls()) {
                released.await(60, TimeUnit.SECONDS);
                return;
            }
            if (reply.contentType() != null) {
                exchange.getResponseHeaders().set("Content-Type", reply.contentType());
            }
            reply.headers().forEach((k, v) -> exchange.getResponseHeaders().set(k, v));
            byte[] answer = reply.body() == null ? new byte[0] : reply.body().getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(reply.status(), answer.length == 0 ? -1 : answer.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(answer);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            // an assertion in a responder: the test sees the missing answer
            e.printStackTrace();
            throw e;
        }
    }

    private static final Pattern BOUNDARY = Pattern.compile("boundary=\"?([^\";]+)\"?");

    /**
     * The parts of a multipart body per RFC 2046: a delimiter is CRLF--boundary (the first may start
     * the body), a part's headers end at the first empty line, the close delimiter ends with "--".
     * Anything else fails the test's request, which it sees as a missing or wrong part.
     */
    static List<Part> parts(String contentType, byte[] body) {
        List<Part> parts = new ArrayList<>();
        if (contentType == null || !contentType.startsWith("multipart/related")) {
            return parts;
        }
        Matcher m = BOUNDARY.matcher(contentType);
        if (!m.find()) {
            throw new IllegalStateException("no boundary in " + contentType);
        }
        byte[] delimiter = ("--" + m.group(1)).getBytes(StandardCharsets.US_ASCII);
        byte[] crlfDelimiter = ("\r\n--" + m.group(1)).getBytes(StandardCharsets.US_ASCII);
        if (!startsWith(body, 0, delimiter)) {
            throw new IllegalStateException("the body does not start with the boundary");
        }
        int at = delimiter.length;
        while (true) {
            if (startsWith(body, at, "--\r\n".getBytes(StandardCharsets.US_ASCII)) && at + 4 == body.length) {
                return parts;
            }
            if (!startsWith(body, at, "\r\n".getBytes(StandardCharsets.US_ASCII))) {
                throw new IllegalStateException("no CRLF after a boundary at byte " + at);
            }
            int headersStart = at + 2;
            int headersEnd = indexOf(body, "\r\n\r\n".getBytes(StandardCharsets.US_ASCII), headersStart);
            int next = indexOf(body, crlfDelimiter, headersEnd + 4);
            if (headersEnd < 0 || next < 0) {
                throw new IllegalStateException("a part without its headers or its closing boundary");
            }
            parts.add(new Part(new String(body, headersStart, headersEnd - headersStart, StandardCharsets.US_ASCII),
                    Arrays.copyOfRange(body, headersEnd + 4, next)));
            at = next + crlfDelimiter.length;
        }
    }

    private static boolean startsWith(byte[] body, int at, byte[] prefix) {
        return at + prefix.length <= body.length && Arrays.equals(body, at, at + prefix.length, prefix, 0, prefix.length);
    }

    private static int indexOf(byte[] body, byte[] what, int from) {
        for (int i = Math.max(0, from); i + what.length <= body.length; i++) {
            if (startsWith(body, i, what)) {
                return i;
            }
        }
        return -1;
    }
}
