package org.deidgateway.audit;

/** One row of the audit trail; {@code details} is a JSON object with sorted keys. */
public record AuditEntry(long seq, String at, String event, String actor, String details, String prevHash, String hash) {
}
