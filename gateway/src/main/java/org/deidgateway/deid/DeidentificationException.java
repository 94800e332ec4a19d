package org.deidgateway.deid;

/**
 * An object the engine refuses to de-identify. The message says why in terms of the object's
 * structure, and never carries a value from it.
 */
public class DeidentificationException extends Exception {
    public DeidentificationException(String message) {
        super(message);
    }

    public DeidentificationException(String message, Throwable cause) {
        super(message, cause);
    }
}
