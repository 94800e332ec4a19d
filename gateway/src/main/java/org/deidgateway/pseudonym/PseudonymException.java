package org.deidgateway.pseudonym;

/** No pseudonym could be given (the table or the service behind a scheme failed); the object must not go on. */
public class PseudonymException extends Exception {
    public PseudonymException(String message, Throwable cause) {
        super(message, cause);
    }
}
