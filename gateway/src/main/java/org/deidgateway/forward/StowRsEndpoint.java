package org.deidgateway.forward;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;

/**
 * A STOW-RS destination: the URL of its {@code /studies} resource, how long to wait for it, an
 * optional Authorization header value, and the batch bounds. {@link #toString()} leaves the
 * credentials out, so the endpoint can appear in any message.
 *
 * <p>{@code responseTimeout} is the wait for the response once the request is on its way; the
 * request timeout also covers the upload, so it grows with the batch by {@link #minimumRate}
 * bytes per second: a 64 MiB batch on a link that can do 1 MiB/s is not given up after 60 s.
 */
public record StowRsEndpoint(URI uri, Duration connectTimeout, Duration responseTimeout, String authorization,
                             BatchLimits limits, long minimumRate) {

    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);
    public static final Duration DEFAULT_RESPONSE_TIMEOUT = Duration.ofSeconds(60);
    /** 1 MiB/s: slower than that, an upload is taken for stalled. */
    public static final long DEFAULT_MINIMUM_RATE = 1 << 20;

    public StowRsEndpoint {
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(java.util.Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https") || uri.getHost() == null) {
            throw new IllegalArgumentException("'" + uri + "' is not an http(s) URL with a host");
        }
        if (uri.getRawUserInfo() != null) {
            throw new IllegalArgumentException("credentials go in the Authorization header, not in the URL");
        }
        if (connectTimeout.isNegative() || connectTimeout.isZero() || responseTimeout.isNegative()
                || responseTimeout.isZero() || minimumRate < 1) {
            throw new IllegalArgumentException("timeouts must be positive: without one a dead peer blocks forever");
        }
        if (authorization != null && scheme.equals("http")) {
            // checked here as well as in the configuration: credentials never travel in clear
            throw new IllegalArgumentException("credentials are sent over https only, not to " + uri);
        }
    }

    public static StowRsEndpoint of(URI uri) {
        return new StowRsEndpoint(uri, DEFAULT_CONNECT_TIMEOUT, DEFAULT_RESPONSE_TIMEOUT, null,
                BatchLimits.STOW_RS_DEFAULT, DEFAULT_MINIMUM_RATE);
    }

    public StowRsEndpoint withAuthorization(String headerValue) {
        return new StowRsEndpoint(uri, connectTimeout, responseTimeout, headerValue, limits, minimumRate);
    }

    public StowRsEndpoint withTimeouts(Duration connect, Duration response) {
        return new StowRsEndpoint(uri, connect, response, authorization, limits, minimumRate);
    }

    public StowRsEndpoint withLimits(BatchLimits batchLimits) {
        return new StowRsEndpoint(uri, connectTimeout, responseTimeout, authorization, batchLimits, minimumRate);
    }

    /** {@code Bearer TOKEN}. */
    public static String bearer(String token) {
        return "Bearer " + token;
    }

    /** {@code Basic base64(USER:PASSWORD)} from {@code USER:PASSWORD} (RFC 7617). */
    public static String basic(String userColonPassword) {
        if (userColonPassword.indexOf(':') < 1) {
            throw new IllegalArgumentException("basic credentials must be USER:PASSWORD");
        }
        return "Basic " + Base64.getEncoder().encodeToString(userColonPassword.getBytes(StandardCharsets.UTF_8));
    }

    /** The request timeout for a batch of {@code bytes}: the response timeout plus the upload at the minimum rate. */
    Duration requestTimeout(long bytes) {
        return responseTimeout.plusSeconds(bytes / minimumRate);
    }

    /** host:port as it appears in messages. */
    public String address() {
        int port = uri.getPort() != -1 ? uri.getPort() : "https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80;
        String host = uri.getHost();
        return (host.indexOf(':') >= 0 && !host.startsWith("[") ? "[" + host + "]" : host) + ":" + port;
    }

    @Override
    public String toString() {
        return uri + (authorization == null ? "" : " (with credentials)");
    }
}
