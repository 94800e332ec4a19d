package org.deidgateway.pseudonym;

/**
 * A patient as the original object named them, read before de-identification, plus the keyed
 * link key (the blind index: same patient and project, same key). {@link #toString()} shows the
 * link key only, so that a careless log line cannot leak the identity.
 */
public record PatientIdentity(String linkKey, String issuerOfPatientId, String patientId, String name,
                              String birthDate, String sex) {

    @Override
    public String toString() {
        return "PatientIdentity[linkKey=" + linkKey + "]";
    }
}
