package org.deidgateway.deid;

import org.deidgateway.profile.ConfidentialityProfile;
import org.deidgateway.testsupport.TestData;

/** Engines for tests, with fixed keys so that results are reproducible. */
final class TestEngines {

    private TestEngines() {
    }

    static Deidentifier engine(ConfidentialityProfile profile, int keySeed) throws DeidentificationException {
        return DeidentifierFactory.create("test-" + keySeed, "TEST", profile, TestData.secret(keySeed));
    }
}
