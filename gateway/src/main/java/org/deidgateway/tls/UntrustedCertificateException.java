package org.deidgateway.tls;

import java.security.cert.CertificateException;

/**
 * The gateway's own verdict on a peer certificate, worded for the operator. A distinct type so
 * that a failed handshake can tell "we refused them" from "they refused us".
 */
final class UntrustedCertificateException extends CertificateException {

    UntrustedCertificateException(String message, Throwable cause) {
        super(message, cause);
    }
}
