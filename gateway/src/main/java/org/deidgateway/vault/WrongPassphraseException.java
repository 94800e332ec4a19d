package org.deidgateway.vault;

/** A curator keystore was opened with a wrong passphrase: audited by the caller, then reported. */
public final class WrongPassphraseException extends VaultException {
    public WrongPassphraseException(String message) {
        super(message);
    }
}
