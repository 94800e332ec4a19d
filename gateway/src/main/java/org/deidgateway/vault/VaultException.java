package org.deidgateway.vault;

/** The vault refused or failed; the message names pseudonyms and curators, never an identity. */
public class VaultException extends Exception {
    public VaultException(String message) {
        super(message);
    }

    public VaultException(String message, Throwable cause) {
        super(message, cause);
    }
}
