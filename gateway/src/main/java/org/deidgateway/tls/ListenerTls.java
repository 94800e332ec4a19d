package org.deidgateway.tls;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import java.io.IOException;
import java.net.Socket;
import java.time.Duration;

/** How a listener speaks TLS: the server context (own key, trusted certificates) and whether peers must present a certificate. */
public record ListenerTls(SSLContext context, boolean requireClientCertificate) {

    /** Handshakes on an accepted connection within {@code limit}; see {@link TlsSockets#accept}. */
    public SSLSocket handshake(Socket accepted, Duration limit) throws IOException {
        return TlsSockets.accept(context, requireClientCertificate, accepted, limit);
    }
}
