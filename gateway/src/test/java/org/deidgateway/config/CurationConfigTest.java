package org.deidgateway.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A project's mode and curation settings in deid.yaml: defaults, reading, and the bad key named. */
class CurationConfigTest {

    private static final String PROJECT = "version: 1\nprojects:\n- name: lung\n  profile: pseudonymize\n  pseudonym-prefix: LUNG\n";

    @TempDir
    Path dir;

    @Test
    void withoutModeAProjectForwardsAndTheCurationDefaultsHold() throws Exception {
        ProjectConfig p = read(PROJECT).projects().get(0);
        assertFalse(p.twoStage());
        CurationConfig c = p.curationOrDefault();
        assertEquals("anonymize", c.releaseProfileOrDefault());
        assertEquals(180, c.maxShiftDaysOrDefault());
        assertEquals(0, c.minFollowUpMonthsOrZero());
        assertEquals(0, c.keepReleasedDaysOrZero());
        assertFalse(c.wholeWeeksOrFalse());
    }

    @Test
    void twoStageSettingsAreReadAndWrittenBack() throws Exception {
        GatewayConfig config = read(PROJECT + "  mode: two-stage\n  curation:\n    min-follow-up-months: 12\n"
                + "    max-shift-days: 90\n    whole-weeks: true\n    keep-released-days: 7\n");
        ProjectConfig p = config.projects().get(0);
        assertTrue(p.twoStage());
        Path file = dir.resolve("written.yaml");
        ConfigFile.write(file, config);
        CurationConfig again = ConfigFile.read(file).projects().get(0).curationOrDefault();
        assertEquals(12, again.minFollowUpMonthsOrZero());
        assertEquals(90, again.maxShiftDaysOrDefault());
        assertTrue(again.wholeWeeksOrFalse());
        assertEquals(7, again.keepReleasedDaysOrZero());
    }

    @Test
    void badValuesNameTheirKey() {
        assertBad("  mode: three-stage\n", "projects[0].mode");
        assertBad("  curation:\n    max-shift-days: 0\n", "projects[0].curation.max-shift-days");
        assertBad("  curation:\n    max-shift-days: 4000\n", "projects[0].curation.max-shift-days");
        assertBad("  curation:\n    max-shift-days: 5\n    whole-weeks: true\n", "projects[0].curation.whole-weeks");
        assertBad("  curation:\n    min-follow-up-months: -1\n", "projects[0].curation.min-follow-up-months");
        assertBad("  curation:\n    keep-released-days: -3\n", "projects[0].curation.keep-released-days");
        assertBad("  curation:\n    release-profile: ../x\n", "projects[0].curation.release-profile");
        assertBad("  curation:\n    shift: 3\n", "shift");
    }

    private void assertBad(String projectLines, String key) {
        ConfigException e = assertThrows(ConfigException.class, () -> read(PROJECT + projectLines));
        assertTrue(e.getMessage().contains(key), e.getMessage());
    }

    private GatewayConfig read(String yaml) throws Exception {
        Path file = dir.resolve("deid.yaml");
        Files.writeString(file, yaml);
        return ConfigFile.read(file);
    }
}
