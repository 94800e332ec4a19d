package org.deidgateway.forward;

import org.deidgateway.tls.TlsPolicy;
import org.jboss.logging.Logger;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A DICOMweb repository as destination: STOW-RS (PS3.18 10.5), a batch of Part 10 files POSTed as
 * one {@code multipart/related} request to the {@code /studies} resource, over HTTPS or HTTP.
 * What the answer means for each object is decided by {@link StowRsOutcomes}.
 *
 * <p>Failures that are the destination's as a whole and not the object's (nothing listening, a
 * timeout, a TLS handshake refused, for example an untrusted certificate) are transient: the
 * objects wait, as they do behind a rejected DICOM association, until the destination is fixed.
 */
public final class StowRsChannel implements BatchDeliveryChannel {

    private static final Logger LOG = Logger.getLogger(StowRsChannel.class);
    /** A response for 25 instances is a few kilobytes; more than this is not a STOW-RS response. */
    static final int MAX_RESPONSE_BYTES = 4 << 20;
    static final String ACCEPT = "application/dicom+json";

    private final StowRsEndpoint endpoint;
    private final HttpClient client;

    /**
     * {@code sslContext}: the certificates to trust for https; null for the JDK's default trust store.
     * Either way the gateway's TLS policy ({@link TlsPolicy}) sets the protocols and cipher suites,
     * as on its DICOM connections.
     */
    public StowRsChannel(StowRsEndpoint endpoint, SSLContext sslContext) {
        this.endpoint = endpoint;
        HttpClient.Builder builder = HttpClient.newBuilder()
                // HTTP/1.1, never HTTP/2: the JDK client fails requests in flight on a connection the
                // server ends with GOAWAY (servers and proxies do so after a number of requests or on
                // reload) instead of sending them again, which with uploads of many megabytes shows
                // up as spurious failures mid-batch; over plain http it would also try an h2c
                // Upgrade on the first POST, which some servers mishandle. One request at a time per
                // destination gains nothing from multiplexing.
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(endpoint.connectTimeout())
                // a redirected POST is a configuration mistake to report, not a hop to make silently
                .followRedirects(HttpClient.Redirect.NEVER);
        SSLContext context = sslContext != null ? sslContext : defaultContext();
        builder.sslContext(context).sslParameters(TlsPolicy.parameters(context));
        this.client = builder.build();
    }

    private static SSLContext defaultContext() {
        try {
            return SSLContext.getDefault();
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("this Java runtime has no default TLS context", e);
        }
    }

    public StowRsEndpoint endpoint() {
        return endpoint;
    }

    @Override
    public BatchLimits limits() {
        return endpoint.limits();
    }

    @Override
    public void deliver(Path file, String relativePath) throws DeliveryException {
        Outcome outcome = deliverAll(List.of(new Item(file, relativePath))).get(0);
        if (outcome.result() != Result.DELIVERED) {
            throw new DeliveryException(outcome.reason(), outcome.result() == Result.PERMANENT_FAILURE);
        }
    }

    @Override
    public List<Outcome> deliverAll(List<Item> items) {
        Outcome[] outcomes = new Outcome[items.size()];
        List<Integer> sent = new ArrayList<>();
        List<String> uids = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            // the SOP Instance UID from the file meta is how the response names each object
            try {
                uids.add(Part10Header.read(items.get(i).file()).sopInstanceUid());
                sent.add(i);
            } catch (NoSuchFileException e) {
                outcomes[i] = Outcome.permanent("the de-identified file " + items.get(i).file().getFileName()
                        + " is missing from the outbox");
            } catch (Part10Header.MalformedException e) {
                outcomes[i] = Outcome.permanent(e.getMessage());
            } catch (IOException e) {
                outcomes[i] = Outcome.transientFailure("cannot read " + items.get(i).file().getFileName() + " ("
                        + e.getClass().getSimpleName() + ")", Duration.ZERO);
            }
        }
        if (!sent.isEmpty()) {
            List<Path> files = sent.stream().map(i -> items.get(i).file()).toList();
            List<Outcome> answered = store(files, uids);
            for (int k = 0; k < sent.size(); k++) {
                outcomes[sent.get(k)] = answered.get(k);
            }
        }
        return Arrays.asList(outcomes);
    }

    /**
     * Asks the endpoint for at most one study (a QIDO-RS search on the same resource) to prove that
     * it is reachable, that TLS holds and the credentials pass; returns the HTTP status. Nothing is
     * stored and the answer's body is dropped.
     */
    public int probe() throws DeliveryException {
        String uri = endpoint.uri().toString();
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(uri + (uri.contains("?") ? "&" : "?")
                        + "limit=1"))
                .timeout(endpoint.responseTimeout())
                .header("Accept", ACCEPT)
                .header("User-Agent", "deid-gateway")
                .GET();
        if (endpoint.authorization() != null) {
            request.header("Authorization", endpoint.authorization());
        }
        try {
            return client.sendAsync(request.build(), info -> new BoundedBody(MAX_RESPONSE_BYTES))
                    .get(2 * endpoint.responseTimeout().toMillis(), TimeUnit.MILLISECONDS).statusCode();
        } catch (ExecutionException e) {
            throw new DeliveryException(describe(e.getCause() instanceof IOException io ? io : new IOException(e.getCause())),
                    false);
        } catch (TimeoutException e) {
            throw new DeliveryException(describe(new HttpTimeoutException("no answer")), false);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DeliveryException("interrupted", false);
        }
    }

    /** One request; a whole-request refusal of several objects is tried again object by object. */
    private List<Outcome> store(List<Path> files, List<String> uids) {
        List<Outcome> outcomes;
        try {
            outcomes = StowRsOutcomes.of(endpoint, post(files), uids);
        } catch (IOException e) {
            Outcome failure = Outcome.transientFailure(describe(e), Duration.ZERO);
            return files.stream().map(f -> failure).toList();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            Outcome failure = Outcome.transientFailure(endpoint.address() + ": interrupted while sending", Duration.ZERO);
            return files.stream().map(f -> failure).toList();
        }
        if (outcomes == null) {
            // 400, 413 or 415 without a word on single instances: one object may spoil the batch, or
            // the batch is too large for the peer; alone, each gets its own answer
            LOG.infof("%s refused a batch of %d as a whole; sending them one by one", endpoint.address(), files.size());
            List<Outcome> single = new ArrayList<>();
            for (int i = 0; i < files.size(); i++) {
                single.add(store(List.of(files.get(i)), List.of(uids.get(i))).get(0));
            }
            return single;
        }
        return outcomes;
    }

    /** The answer to one POST, or the exception that stood in its way. */
    record Answer(int status, String contentType, BoundedBody.Body body, String retryAfter, String location) {
    }

    private Answer post(List<Path> files) throws IOException, InterruptedException {
        long bytes = 0;
        for (Path file : files) {
            bytes += Files.size(file);
        }
        MultipartRelated multipart = MultipartRelated.withRandomBoundary();
        Duration timeout = endpoint.requestTimeout(bytes);
        HttpRequest.Builder request = HttpRequest.newBuilder(endpoint.uri())
                .timeout(timeout)
                .header("Content-Type", multipart.contentType())
                .header("Accept", ACCEPT)
                .header("User-Agent", "deid-gateway")
                .POST(multipart.body(files));
        if (endpoint.authorization() != null) {
            request.header("Authorization", endpoint.authorization());
        }
        long started = System.nanoTime();
        CompletableFuture<HttpResponse<BoundedBody.Body>> exchange = client.sendAsync(request.build(),
                info -> new BoundedBody(MAX_RESPONSE_BYTES));
        HttpResponse<BoundedBody.Body> response;
        try {
            // the request timeout ends with the response headers; a body that never ends is bounded here
            response = exchange.get(timeout.plus(endpoint.responseTimeout()).toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            exchange.cancel(true);
            throw new HttpTimeoutException("response body not complete in time");
        } catch (InterruptedException e) {
            exchange.cancel(true);
            throw e;
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            throw new IOException(e.getCause());
        }
        LOG.debugf("%s: %d objects, %d bytes, HTTP %d in %d ms", endpoint.address(), files.size(), bytes,
                response.statusCode(), (System.nanoTime() - started) / 1_000_000);
        return new Answer(response.statusCode(), response.headers().firstValue("Content-Type").orElse(null),
                response.body(), response.headers().firstValue("Retry-After").orElse(null),
                response.headers().firstValue("Location").orElse(null));
    }

    /** A failure to exchange at all, in words an administrator can act on. */
    private String describe(IOException e) {
        String address = endpoint.address();
        SSLHandshakeException tls = cause(e, SSLHandshakeException.class);
        if (tls != null) {
            String why = String.valueOf(tls.getMessage());
            if (why.contains("PKIX") || why.contains("certification path")) {
                return address + ": TLS handshake failed: the server's certificate is not trusted (its issuer is not in the "
                        + "gateway's trust store)";
            }
            if (why.contains("subject alternative") || why.contains("No name matching")) {
                return address + ": TLS handshake failed: the server's certificate is not for this host name (" + why + ")";
            }
            return address + ": TLS handshake failed (" + why + ")";
        }
        if (e instanceof HttpConnectTimeoutException) {
            return "cannot connect to " + address + " within " + endpoint.connectTimeout().toSeconds() + " s";
        }
        if (e instanceof HttpTimeoutException) {
            return address + ": no response within " + endpoint.responseTimeout().toSeconds() + " s (plus the upload time)";
        }
        if (cause(e, ConnectException.class) != null) {
            return "cannot connect to " + address + ": connection refused (nothing listening?)";
        }
        return address + ": the exchange failed (" + e.getClass().getSimpleName()
                + (e.getMessage() == null ? "" : ": " + e.getMessage()) + ")";
    }

    private static <T extends Throwable> T cause(Throwable e, Class<T> type) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return type.cast(t);
            }
        }
        return null;
    }
}
