package org.deidgateway.forward;

import org.deidgateway.net.AssociateRequestEncoder;

import javax.net.ssl.SSLContext;
import java.time.Duration;

/**
 * Where objects go and how long to wait for it. {@code responseTimeout} bounds every wait on the
 * peer, reading and writing alike (the TLS handshake included), so a peer that stops
 * mid-association cannot hold a sender. {@code tls} null: plain TCP; otherwise the client context
 * that verifies the peer (see {@code tls.TlsMaterial#clientContext}).
 */
public record Destination(String host, int port, String calledAeTitle, String callingAeTitle, Duration connectTimeout,
                          Duration responseTimeout, SSLContext tls) {

    public Destination(String host, int port, String calledAeTitle, String callingAeTitle, Duration connectTimeout,
                       Duration responseTimeout) {
        this(host, port, calledAeTitle, callingAeTitle, connectTimeout, responseTimeout, null);
    }

    public static final String DEFAULT_CALLING_AE_TITLE = "DEIDGW";

    public Destination {
        if (host == null || host.isBlank()) {
            throw new IllegalArgumentException("a destination needs a host");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port " + port + " is outside 1-65535");
        }
        AssociateRequestEncoder.requireAeTitle(calledAeTitle, "called");
        AssociateRequestEncoder.requireAeTitle(callingAeTitle, "calling");
        if (connectTimeout.isNegative() || connectTimeout.isZero() || responseTimeout.isNegative() || responseTimeout.isZero()) {
            throw new IllegalArgumentException("timeouts must be positive: without one a dead peer blocks forever");
        }
    }

    public static Destination of(String host, int port, String calledAeTitle) {
        return new Destination(host, port, calledAeTitle, DEFAULT_CALLING_AE_TITLE, Duration.ofSeconds(10),
                Duration.ofSeconds(60));
    }

    /** The same peer over TLS, verified with {@code context}. */
    public Destination withTls(SSLContext context) {
        return new Destination(host, port, calledAeTitle, callingAeTitle, connectTimeout, responseTimeout, context);
    }

    /** host:port as it appears in every message, with IPv6 literals bracketed. */
    public String address() {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }
}
