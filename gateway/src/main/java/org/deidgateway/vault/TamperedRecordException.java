package org.deidgateway.vault;

/** A sealed record failed its authentication: altered, moved or replaced on disk. Never shown. */
public final class TamperedRecordException extends VaultException {
    public TamperedRecordException(String message) {
        super(message);
    }
}
