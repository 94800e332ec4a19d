package org.deidgateway.tls;

import java.io.EOFException;
import java.io.IOException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.util.Set;

/**
 * A failed TLS handshake in words, and whether it is a configuration error: a certificate one side
 * does not trust, no protocol or cipher suite in common, or TLS on one side only. Those fail the
 * same way until someone changes a configuration or a keystore, so a sender must not retry them
 * quickly, and must not blame the object it was sending. A timeout or a lost connection may pass.
 * Alert names come from the JDK's message text, the only place it reports them.
 */
public record HandshakeFailure(boolean configurationError, String description) {

    private static final String ALERT = "Received fatal alert: ";
    private static final Set<String> CERTIFICATE_ALERTS = Set.of("bad_certificate", "unsupported_certificate",
            "certificate_revoked", "certificate_expired", "certificate_unknown", "unknown_ca", "access_denied",
            "certificate_required");
    private static final Set<String> PARAMETER_ALERTS = Set.of("handshake_failure", "protocol_version",
            "insufficient_security", "illegal_parameter");

    /** Whether this exception came out of TLS at all (rather than the connection or the DICOM layer). */
    public static boolean isTls(IOException e) {
        return e instanceof javax.net.ssl.SSLException;
    }

    public static HandshakeFailure of(IOException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof UntrustedCertificateException untrusted) {
                return new HandshakeFailure(true, untrusted.getMessage());
            }
            if (t instanceof ClientCertificateRequests.Refused refused) {
                return new HandshakeFailure(true, refused.presented
                        ? "the peer asked for the gateway's certificate and then closed the connection: it does not accept "
                        + "it; the peer must trust the certificate that deid tls export-cert prints"
                        : "the peer asked for a client certificate and closed the connection, and the gateway has none; "
                        + "create one with deid tls generate (or import one) and have the peer trust it");
            }
            if (t instanceof SocketTimeoutException timeout) {
                return new HandshakeFailure(false, "no answer in time during the TLS handshake (" + timeout.getMessage() + ")");
            }
        }
        String message = String.valueOf(e.getMessage());
        int alert = message.indexOf(ALERT);
        if (alert >= 0) {
            String name = message.substring(alert + ALERT.length()).strip();
            if (CERTIFICATE_ALERTS.contains(name)) {
                return new HandshakeFailure(true, "the peer refused the gateway's certificate, or that it sent none (TLS alert "
                        + name + "); the peer must trust the certificate that deid tls export-cert prints");
            }
            if (PARAMETER_ALERTS.contains(name)) {
                return new HandshakeFailure(true, "the peer found no TLS version or cipher suite in common (TLS alert " + name
                        + "); the gateway speaks " + String.join(" and ", TlsPolicy.PROTOCOLS) + " with forward-secret AEAD suites only");
            }
            return new HandshakeFailure(false, "the peer ended the TLS handshake (TLS alert " + name + ")");
        }
        if (message.contains("Empty client certificate chain") || message.contains("certificate_required")) {
            return new HandshakeFailure(true, "the peer presented no certificate, and one is required");
        }
        if (message.contains("No appropriate protocol") || message.contains("not enabled or supported")
                || message.contains("no cipher suites in common") || message.contains("No negotiable cipher suite")
                || message.contains("protocol_version")) {
            return new HandshakeFailure(true, "no TLS version or cipher suite in common with the peer (" + message
                    + "); the gateway speaks " + String.join(" and ", TlsPolicy.PROTOCOLS) + " with forward-secret AEAD suites only");
        }
        if (message.contains("Unsupported or unrecognized SSL message") || message.contains("plaintext connection")) {
            return new HandshakeFailure(true, "the peer does not speak TLS on this port (plain DICOM on one side, TLS on the other)");
        }
        if (e instanceof EOFException || e.getCause() instanceof EOFException || e instanceof SocketException
                || e.getCause() instanceof SocketException || message.contains("terminated the handshake")) {
            return new HandshakeFailure(false, "the connection broke during the TLS handshake (" + message + "): the peer "
                    + "may not speak TLS on this port (a plain DICOM port?), or may refuse the gateway without saying why");
        }
        return new HandshakeFailure(false, "TLS failed: " + message);
    }
}
