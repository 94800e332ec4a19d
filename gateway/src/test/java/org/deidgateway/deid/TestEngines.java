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
import org.deidgateway.testsupport.TestData;

/** Engines for tests, with fixed keys so that results are reproducible. */
final class TestEngines {

    private TestEngines() {
    }

    static Deidentifier engine(ConfidentialityProfile profile, int keySeed) throws DeidentificationException {
        return DeidentifierFactory.create("test-" + keySeed, "TEST", profile, TestData.secret(keySeed));
    }

    /** For a profile with Retain Longitudinal Modified Dates: every patient's dates move by {@code days}. */
    static Deidentifier shiftingDates(ConfidentialityProfile profile, int keySeed, int days) throws DeidentificationException {
        ProjectKeys keys = new ProjectKeys("test-" + keySeed, TestData.secret(keySeed));
        ProfileRules rules = new ProfileRules(profile, ConfidentialityTable.bundled(), SafePrivateTable.bundled());
        return new Deidentifier(rules, new PatientPseudonymizer("TEST", keys), PseudonymScheme.KEYED, new UidRemapper(keys),
                new ValueHasher(keys), linkKey -> days);
    }
}
