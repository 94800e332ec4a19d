package org.deidgateway.vault;

/** A registered curator: name, public key and its fingerprint; {@code removedAt} is null while active. */
public record Curator(long id, String name, String fingerprint, byte[] publicKey, String addedAt, String removedAt) {

    public boolean active() {
        return removedAt == null;
    }

    public String shortFingerprint() {
        return fingerprint.substring(0, 16);
    }
}
