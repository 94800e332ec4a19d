package org.deidgateway.keystore;

/** The keystore could not be opened or written; the message says which file and why. */
public class KeystoreException extends Exception {

    private final boolean wrongPassphrase;

    public KeystoreException(String message) {
        this(message, null, false);
    }

    public KeystoreException(String message, Throwable cause) {
        this(message, cause, false);
    }

    private KeystoreException(String message, Throwable cause, boolean wrongPassphrase) {
        super(message, cause);
        this.wrongPassphrase = wrongPassphrase;
    }

    static KeystoreException wrongPassphrase(String message) {
        return new KeystoreException(message, null, true);
    }

    /** Whether the passphrase was wrong (which the audit records), rather than the file unreadable. */
    public boolean wrongPassphrase() {
        return wrongPassphrase;
    }
}
