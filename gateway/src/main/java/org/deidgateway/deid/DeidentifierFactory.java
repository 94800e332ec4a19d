package org.deidgateway.deid;

import org.deidgateway.profile.ConfidentialityProfile;
import org.deidgateway.profile.ConfidentialityTable;
import org.deidgateway.profile.ProfileRules;
import org.deidgateway.profile.SafePrivateTable;
import org.deidgateway.pseudonym.PatientPseudonymizer;
import org.deidgateway.pseudonym.ProjectKeys;
import org.deidgateway.pseudonym.UidRemapper;
import org.deidgateway.pseudonym.ValueHasher;

/** Builds the engine of one project from its profile, pseudonym prefix and master secret. */
public final class DeidentifierFactory {

    private DeidentifierFactory() {
    }

    public static Deidentifier create(String project, String pseudonymPrefix, ConfidentialityProfile profile,
                                      byte[] masterSecret) throws DeidentificationException {
        ProjectKeys keys = new ProjectKeys(project, masterSecret);
        ProfileRules rules = new ProfileRules(profile, ConfidentialityTable.bundled(), SafePrivateTable.bundled());
        return new Deidentifier(rules, new PatientPseudonymizer(pseudonymPrefix, keys), new UidRemapper(keys),
                new ValueHasher(keys));
    }
}
