package org.deidgateway.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The receiver's timeouts and waiting-connection bound in deid.yaml: defaults, reading, and the bad key named. */
class DicomConfigTest {

    private static final String PROJECT = "version: 1\nprojects:\n- name: lung\n  profile: pseudonymize\n  pseudonym-prefix: LUNG\n";

    @TempDir
    Path dir;

    @Test
    void missingKeysTakeTheDefaults() throws Exception {
        DicomConfig dicom = read(PROJECT).dicomOrDefault();
        assertEquals(30, dicom.artimTimeoutSecondsOrDefault());
        assertEquals(300, dicom.idleTimeoutSecondsOrDefault());
        assertEquals(1000, dicom.maxWaitingConnectionsOrDefault());
    }

    @Test
    void theKeysAreReadAndWrittenBack() throws Exception {
        GatewayConfig config = read(PROJECT + "dicom:\n  artim-timeout-seconds: 3\n  idle-timeout-seconds: 60\n"
                + "  max-waiting-connections: 200\n");
        DicomConfig dicom = config.dicomOrDefault();
        assertEquals(3, dicom.artimTimeoutSecondsOrDefault());
        assertEquals(60, dicom.idleTimeoutSecondsOrDefault());
        assertEquals(200, dicom.maxWaitingConnectionsOrDefault());
        Path file = dir.resolve("written.yaml");
        ConfigFile.write(file, config.withDicom(dicom.withIdleTimeoutSeconds(90)));
        DicomConfig again = ConfigFile.read(file).dicomOrDefault();
        assertEquals(3, again.artimTimeoutSecondsOrDefault());
        assertEquals(90, again.idleTimeoutSecondsOrDefault());
        assertEquals(200, again.maxWaitingConnectionsOrDefault());
    }

    @Test
    void anOutOfRangeValueNamesItsKey() {
        assertRefused("  artim-timeout-seconds: 0\n", "dicom.artim-timeout-seconds: 0 must be 1 to 600");
        assertRefused("  idle-timeout-seconds: 100000\n", "dicom.idle-timeout-seconds: 100000 must be 1 to 86400");
        assertRefused("  max-waiting-connections: -1\n", "dicom.max-waiting-connections: -1 must be 1 to 100000");
    }

    private void assertRefused(String dicomLine, String message) {
        ConfigException e = assertThrows(ConfigException.class, () -> read(PROJECT + "dicom:\n" + dicomLine));
        assertTrue(e.getMessage().endsWith(message), e.getMessage());
    }

    private GatewayConfig read(String yaml) throws Exception {
        Path file = Files.writeString(dir.resolve("deid.yaml"), yaml);
        return ConfigFile.read(file);
    }
}
