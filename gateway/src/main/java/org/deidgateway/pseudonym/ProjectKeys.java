package org.deidgateway.pseudonym;

/**
 * The keys of one project, each derived from the project's master secret for one purpose, so that
 * a leaked UID key reveals nothing about pseudonyms and two projects never share a key.
 */
public final class ProjectKeys {

    /** Version label of the derivation; changing it changes every pseudonym. */
    static final String DERIVATION_LABEL = "deid-gateway/key-derivation/v1";

    public enum Purpose { PATIENT_PSEUDONYM, UID, VALUE_HASH, BLIND_INDEX, RELEASE_REGISTER }

    private final String project;
    private final KeyedHash patientPseudonym;
    private final KeyedHash uid;
    private final KeyedHash valueHash;
    private final KeyedHash blindIndex;
    private final KeyedHash releaseRegister;

    public ProjectKeys(String project, byte[] masterSecret) {
        if (masterSecret.length != 32) {
            throw new IllegalArgumentException("a project master secret is 256 bits");
        }
        this.project = project;
        KeyedHash master = new KeyedHash(masterSecret);
        this.patientPseudonym = derive(master, Purpose.PATIENT_PSEUDONYM);
        this.uid = derive(master, Purpose.UID);
        this.valueHash = derive(master, Purpose.VALUE_HASH);
        this.blindIndex = derive(master, Purpose.BLIND_INDEX);
        this.releaseRegister = derive(master, Purpose.RELEASE_REGISTER);
    }

    private KeyedHash derive(KeyedHash master, Purpose purpose) {
        return new KeyedHash(master.mac(DERIVATION_LABEL, project, purpose.name()));
    }

    public String project() { return project; }

    public KeyedHash forPurpose(Purpose purpose) {
        return switch (purpose) {
            case PATIENT_PSEUDONYM -> patientPseudonym;
            case UID -> uid;
            case VALUE_HASH -> valueHash;
            case BLIND_INDEX -> blindIndex;
            case RELEASE_REGISTER -> releaseRegister;
        };
    }
}
