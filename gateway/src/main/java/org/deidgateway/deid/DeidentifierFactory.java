package org.deidgateway.deid;

import org.deidgateway.profile.ConfidentialityProfile;
import org.deidgateway.profile.ConfidentialityTable;
import org.deidgateway.profile.ProfileRules;
import org.deidgateway.profile.SafePrivateTable;
import org.deidgateway.pseudonym.PatientPseudonymizer;
import org.deidgateway.pseudonym.ProjectKeys;
import org.deidgateway.pseudonym.PseudonymScheme;
import org.deidgateway.pseudonym.UidRemapper;
import org.deidgateway.pseudonym.ValueHasher;

/** Builds the engine of one project from its profile, pseudonym prefix and master secret. */
public final class DeidentifierFactory {

    private DeidentifierFactory() {
    }

    /** With the keyed pseudonym scheme. */
    public static Deidentifier create(String project, String pseudonymPrefix, ConfidentialityProfile profile,
                                      byte[] masterSecret) throws DeidentificationException {
        return create(project, pseudonymPrefix, profile, masterSecret, PseudonymScheme.KEYED);
    }

    public static Deidentifier create(String project, String pseudonymPrefix, ConfidentialityProfile profile,
                                      byte[] masterSecret, PseudonymScheme scheme) throws DeidentificationException {
        ProjectKeys keys = new ProjectKeys(project, masterSecret);
        ProfileRules rules = new ProfileRules(profile, ConfidentialityTable.bundled(), SafePrivateTable.bundled());
        return new Deidentifier(rules, new PatientPseudonymizer(pseudonymPrefix, keys), scheme, new UidRemapper(keys),
                new ValueHasher(keys));
    }

    /**
     * The engine of an anonymizing stage: Patient ID and Patient's Name (under a pseudonym override)
     * get the run's new random ID, dates move by the run's per-patient offset, UIDs and hashed
     * values come from the run's random key, so they are consistent within the run and nowhere else.
     * The profile must have Retain Longitudinal Temporal Information Modified Dates.
     */
    public static Deidentifier createAnonymizing(String project, ConfidentialityProfile profile, AnonymousIdentities ids)
            throws DeidentificationException {
        ProjectKeys keys = ids.ephemeralKeys(project);
        ProfileRules rules = new ProfileRules(profile, ConfidentialityTable.bundled(), SafePrivateTable.bundled());
        // the link key only tells this run's patients apart; it is never written
        PatientPseudonymizer linkKeys = new PatientPseudonymizer(RUN_LINK_PREFIX, keys);
        PseudonymScheme randomIds = patient -> ids.patientIdFor(patient.linkKey());
        return new Deidentifier(rules, linkKeys, randomIds, new UidRemapper(keys), new ValueHasher(keys), ids);
    }

    private static final String RUN_LINK_PREFIX = "RUN";
}
