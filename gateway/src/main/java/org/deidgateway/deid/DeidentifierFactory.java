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
}
