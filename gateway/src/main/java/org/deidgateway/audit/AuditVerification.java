package org.deidgateway.audit;

/**
 * The outcome of checking the trail: how many entries were checked, and the first problem found
 * (null when the trail is intact), with the sequence number where it starts.
 */
public record AuditVerification(long entries, long headSeq, Long firstBrokenSeq, String problem, boolean checkpointChecked) {

    public boolean intact() {
        return problem == null;
    }
}
