package org.deidgateway.testsupport;

import org.deidgateway.deid.DeidentificationException;
import org.deidgateway.deid.Deidentifier;
import org.deidgateway.deid.DeidentifierFactory;
import org.deidgateway.profile.ConfidentialityProfile;
import org.deidgateway.profile.ProfileCatalog;

import java.util.List;

/** Engines built from the repository's own profile files, with fixed keys. */
public final class Engines {

    private Engines() {
    }

    public static ConfidentialityProfile profile(String name) throws Exception {
        return new ProfileCatalog(List.of(TestData.repoRoot().resolve("profiles"))).load(name);
    }

    public static Deidentifier forProfile(String name, String project, int keySeed) throws Exception {
        return forProfile(profile(name), project, keySeed);
    }

    public static Deidentifier forProfile(ConfidentialityProfile profile, String project, int keySeed)
            throws DeidentificationException {
        return DeidentifierFactory.create(project, project.toUpperCase().replace('-', '_'), profile, TestData.secret(keySeed));
    }
}
