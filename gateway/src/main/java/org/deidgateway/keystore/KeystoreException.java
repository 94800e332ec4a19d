package org.deidgateway.keystore;

/** The keystore could not be opened or written; the message says which file and why. */
public class KeystoreException extends Exception {
    public KeystoreException(String message) {
        super(message);
    }

    public KeystoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
