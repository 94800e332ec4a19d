package org.deidgateway.metrics;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/**
 * The monitoring endpoint of {@code deid serve}: {@code /metrics} (Prometheus text format),
 * {@code /health/live} and {@code /health/ready} (200 when every check passes, 503 otherwise, with
 * the checks as JSON). The JDK's own HTTP server: a few requests a minute from a scraper need
 * nothing more, and every other command starts no HTTP server at all.
 */
public final class MetricsServer implements AutoCloseable {

    private final HttpServer server;

    private MetricsServer(HttpServer server) {
        this.server = server;
    }

    /** Checks by name; each answers whether it passes. */
    public interface Checks extends Supplier<Map<String, Boolean>> {
    }

    public static MetricsServer start(String bindAddress, int port, GatewayMetrics metrics, Checks live, Checks ready)
            throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getByName(bindAddress), port), 16);
        server.createContext("/metrics", exchange -> {
            String body = metrics.scrape();
            respond(exchange, body == null ? 404 : 200, "text/plain; version=0.0.4; charset=utf-8", body == null ? "" : body);
        });
        server.createContext("/health/live", exchange -> health(exchange, live.get()));
        server.createContext("/health/ready", exchange -> health(exchange, ready.get()));
        server.setExecutor(Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "metrics-http");
            t.setDaemon(true);
            return t;
        }));
        server.start();
        return new MetricsServer(server);
    }

    public int port() {
        return server.getAddress().getPort();
    }

    private static void health(HttpExchange exchange, Map<String, Boolean> checks) throws IOException {
        boolean up = checks.values().stream().allMatch(Boolean::booleanValue);
        StringBuilder json = new StringBuilder("{\"status\":\"").append(up ? "UP" : "DOWN").append("\",\"checks\":{");
        String sep = "";
        for (Map.Entry<String, Boolean> check : checks.entrySet()) {
            json.append(sep).append('"').append(check.getKey()).append("\":\"").append(check.getValue() ? "UP" : "DOWN").append('"');
            sep = ",";
        }
        json.append("}}");
        respond(exchange, up ? 200 : 503, "application/json", json.toString());
    }

    private static void respond(HttpExchange exchange, int status, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", type);
        exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
