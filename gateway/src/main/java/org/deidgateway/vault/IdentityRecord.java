package org.deidgateway.vault;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * The plaintext of one sealed part: the patient as one study named them, and that study's
 * original and new identifiers. Exists only inside the gateway while being sealed and inside a
 * curator's re-identification; {@link #toString()} shows nothing of it.
 */
public record IdentityRecord(
        @JsonProperty("v") int version,
        @JsonProperty("patient-id") String patientId,
        @JsonProperty("issuer-of-patient-id") String issuerOfPatientId,
        @JsonProperty("name") String name,
        @JsonProperty("birth-date") String birthDate,
        @JsonProperty("sex") String sex,
        @JsonProperty("original-study-uid") String originalStudyInstanceUid,
        @JsonProperty("new-study-uid") String newStudyInstanceUid,
        @JsonProperty("accession-number") String accessionNumber,
        @JsonProperty("study-date") String studyDate,
        @JsonProperty("recorded-at") String recordedAt) {

    static final int CURRENT_VERSION = 1;

    @Override
    public String toString() {
        return "IdentityRecord[sealed content]";
    }
}
