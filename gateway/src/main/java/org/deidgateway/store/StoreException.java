package org.deidgateway.store;

/** The database failed; the message names the file and the reason, never row content. */
public class StoreException extends Exception {
    public StoreException(String message) {
        super(message);
    }

    public StoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
