package org.deidgateway.tls;

/** TLS material that cannot be used as asked; the message says what is missing or wrong and what fixes it. */
public final class TlsException extends Exception {

    public TlsException(String message) {
        super(message);
    }

    public TlsException(String message, Throwable cause) {
        super(message, cause);
    }
}
