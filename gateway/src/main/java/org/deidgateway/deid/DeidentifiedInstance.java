package org.deidgateway.deid;

/**
 * What de-identifying one object produced, for naming the output and for the correspondence
 * table. {@link #toString()} leaves out the original values, so that a careless log line cannot
 * leak them.
 */
public record DeidentifiedInstance(String pseudonym, String originalStudyInstanceUid, String studyInstanceUid,
                                   String seriesInstanceUid, String sopInstanceUid, String sopClassUid) {

    @Override
    public String toString() {
        return "DeidentifiedInstance[pseudonym=" + pseudonym + ", study=" + studyInstanceUid + ", sop=" + sopInstanceUid + "]";
    }
}
