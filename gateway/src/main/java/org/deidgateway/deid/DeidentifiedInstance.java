package org.deidgateway.deid;

import org.deidgateway.pseudonym.PatientIdentity;

/**
 * What de-identifying one object produced, for naming the output, and what it replaced, for the
 * correspondence table. {@link #toString()} leaves out the original values, so that a careless log
 * line cannot leak them.
 */
public record DeidentifiedInstance(String pseudonym, PatientIdentity patient, String originalStudyInstanceUid,
                                   String originalAccessionNumber, String studyDate, String studyInstanceUid,
                                   String seriesInstanceUid, String sopInstanceUid, String sopClassUid) {

    @Override
    public String toString() {
        return "DeidentifiedInstance[pseudonym=" + pseudonym + ", study=" + studyInstanceUid + ", sop=" + sopInstanceUid + "]";
    }
}
