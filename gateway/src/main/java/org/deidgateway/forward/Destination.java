package org.deidgateway.forward;

import org.deidgateway.net.AssociateRequestEncoder;

import java.time.Duration;

/**
 * Where objects go and how long to wait for it. {@code responseTimeout} bounds every wait on the
 * peer, reading and writing alike, so a peer that stops mid-association cannot hold a sender.
 */
public record Destination(String host, int port, String calledAeTitle, String callingAeTitle, Duration connectTimeout,
                          Duration responseTimeout) {

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

    /** host:port as it appears in every message, with IPv6 literals bracketed. */
    public String address() {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }
}
