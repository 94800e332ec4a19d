package org.deidgateway.pseudonym;

import java.util.Arrays;

/**
 * Patient pseudonyms: {@code PREFIX-} followed by Crockford Base32 of the first 128 bits of the
 * keyed HMAC over (issuer of patient ID, patient ID). Same patient and project, same pseudonym on
 * any machine with the keystore; another project, another key, another pseudonym.
 */
public final class PatientPseudonymizer {

    private static final String PATIENT_FIELD = "patient";
    private static final String NO_PATIENT_ID_FIELD = "no-patient-id:study";
    /** PatientID is LO: 64 characters; the Base32 part takes 26 and the dash one. */
    public static final int MAX_PREFIX_LENGTH = 37;

    private final String prefix;
    private final KeyedHash key;

    public PatientPseudonymizer(String prefix, ProjectKeys keys) {
        if (!prefix.matches("[A-Z0-9][A-Z0-9_]{0," + (MAX_PREFIX_LENGTH - 1) + "}")) {
            throw new IllegalArgumentException("pseudonym prefix '" + prefix + "' must be 1 to " + MAX_PREFIX_LENGTH
                    + " upper-case letters, digits or '_'");
        }
        this.prefix = prefix;
        this.key = keys.forPurpose(ProjectKeys.Purpose.PATIENT_PSEUDONYM);
    }

    public String pseudonym(String issuerOfPatientId, String patientId) {
        return format(key.mac(PATIENT_FIELD, nullToEmpty(issuerOfPatientId).trim(), patientId.trim()));
    }

    /**
     * For an object that carries no patient ID: one pseudonym per study, in its own domain, so
     * that unidentified patients are never merged into one.
     */
    public String pseudonymForUnidentifiedPatient(String studyInstanceUid) {
        return format(key.mac(NO_PATIENT_ID_FIELD, nullToEmpty(studyInstanceUid).trim()));
    }

    private String format(byte[] mac) {
        return prefix + "-" + CrockfordBase32.encode(Arrays.copyOf(mac, 16));
    }

    private static String nullToEmpty(String s) {
        return s == null ? "" : s;
    }
}
