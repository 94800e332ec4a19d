package org.deidgateway.vault;

import java.util.List;

/** What a curator sees: a pseudonym's project and every sealed part of its record, oldest first. */
public record ReidentifiedPatient(String project, String pseudonym, List<IdentityRecord> parts, long auditSeq) {

    @Override
    public String toString() {
        return "ReidentifiedPatient[pseudonym=" + pseudonym + ", parts=" + parts.size() + "]";
    }
}
