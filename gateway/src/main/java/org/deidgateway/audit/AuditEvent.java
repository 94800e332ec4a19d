package org.deidgateway.audit;

import java.util.Locale;

/** What the audit records. The wire name is what {@code deid audit show} prints. */
public enum AuditEvent {
    INSTALLATION_CREATED,
    CONFIG_CHANGED,
    CURATOR_ADDED,
    CURATOR_REMOVED,
    RECORDS_RESEALED,
    DEIDENTIFIED,
    DEIDENTIFICATION_RUN,
    REIDENTIFIED,
    REIDENTIFICATION_REFUSED,
    KEYSTORE_WRONG_PASSPHRASE,
    CURATOR_KEYSTORE_WRONG_PASSPHRASE,
    KEYSTORE_PASSPHRASE_CHANGED,
    QUARANTINE_RELEASED,
    QUARANTINE_DELETED,
    TLS_CERTIFICATE_GENERATED,
    TLS_CERTIFICATE_IMPORTED,
    TLS_PEER_TRUSTED,
    TLS_PEER_UNTRUSTED,
    CASE_RELEASED,
    CASE_RELEASE_REFUSED,
    HELD_DELETED,
    QUARANTINE_VIEWED,
    NODE_JOINED,
    CATALOG_EXPORTED;

    public String wireName() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
