package org.deidgateway.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** queue.keep-delivered-days in deid.yaml: the default, 0 for ever, the bad value named, written back. */
class QueueConfigTest {

    private static final String PROJECT = "version: 1\nprojects:\n- name: lung\n  profile: pseudonymize\n  pseudonym-prefix: LUNG\n";

    @TempDir
    Path dir;

    @Test
    void finishedObjectsAreKeptThirtyDaysUnlessSaidOtherwise() throws Exception {
        assertEquals(30, read(PROJECT).queueOrDefault().keepDeliveredDaysOrDefault());
        assertEquals(0, read(PROJECT + "queue:\n  keep-delivered-days: 0\n").queueOrDefault().keepDeliveredDaysOrDefault());
        GatewayConfig config = read(PROJECT + "queue:\n  keep-delivered-days: 365\n");
        assertEquals(365, config.queueOrDefault().keepDeliveredDaysOrDefault());

        Path file = dir.resolve("written.yaml");
        ConfigFile.write(file, config.withQueue(new QueueConfig(7)));
        assertEquals(7, ConfigFile.read(file).queueOrDefault().keepDeliveredDaysOrDefault());
        // a configuration that never set it does not grow a queue section when written
        ConfigFile.write(file, read(PROJECT));
        assertFalse(Files.readString(file).contains("queue"));
    }

    @Test
    void anOutOfRangeValueNamesItsKey() {
        for (String days : new String[] {"-1", "3651"}) {
            ConfigException e = assertThrows(ConfigException.class,
                    () -> read(PROJECT + "queue:\n  keep-delivered-days: " + days + "\n"));
            assertTrue(e.getMessage().endsWith("queue.keep-delivered-days: " + days + " must be 0 (for ever) or 1 to 3650"),
                    e.getMessage());
        }
    }

    private GatewayConfig read(String yaml) throws Exception {
        Path file = Files.writeString(dir.resolve("deid.yaml"), yaml);
        return ConfigFile.read(file);
    }
}
