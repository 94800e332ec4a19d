package org.deidgateway.curate;

import org.deidgateway.testsupport.TestDatabases;
import org.deidgateway.store.Database;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The held copies on a real SQLite file: held, listed, released, kept for the retention, then purged. */
class CurationStoreTest {

    @TempDir
    Path dir;

    @Test
    void releasedCopiesStayForTheRetentionThenGoWithTheirFolders() throws Exception {
        try (Database db = TestDatabases.open(dir.resolve("deid.db"))) {
            CurationStore store = new CurationStore(db, dir.resolve("curation"));
            HeldInstance a = held("LUNG-A", "1.1", "1.1.1", "20200115");
            HeldInstance b = held("LUNG-A", "1.2", "1.2.1", "20200715");
            HeldInstance other = held("LUNG-B", "2.1", "2.1.1", "20200301");
            for (HeldInstance h : List.of(a, b, other)) {
                Files.createDirectories(store.fileOf(h).getParent());
                Files.writeString(store.fileOf(h), "x");
                db.inTransaction(c -> {
                    CurationStore.hold(c, h);
                    return null;
                });
            }
            assertEquals(2, store.cases("lung").size());
            assertEquals(List.of(a, b), store.waiting("lung", "LUNG-A"));
            db.inTransaction(c -> {
                CurationStore.markReleased(c, List.of(a, b));
                return null;
            });
            assertEquals(1, store.cases(null).size(), "a released case is no longer waiting");

            assertEquals(0, store.purgeReleased(p -> 7, Instant.now()), "kept for 7 days");
            assertTrue(Files.exists(store.fileOf(a)));
            assertEquals(2, store.purgeReleased(p -> 7, Instant.now().plus(Duration.ofDays(8))));
            assertFalse(Files.exists(store.fileOf(a)) || Files.exists(store.fileOf(b)));
            assertFalse(Files.exists(dir.resolve("curation/lung/LUNG-A")), "emptied case folders go too");
            assertTrue(Files.exists(store.fileOf(other)));

            // the same instance arriving again after its release waits for a curator again
            db.inTransaction(c -> {
                CurationStore.hold(c, a);
                return null;
            });
            assertEquals(List.of(a), store.waiting("lung", "LUNG-A"));
        }
    }

    private static HeldInstance held(String pseudonym, String study, String sop, String date) {
        return new HeldInstance("lung", pseudonym, study, study + ".9", sop, "1.2.840.10008.5.1.4.1.1.2", "CT", date,
                HeldInstance.relativeFile("lung", pseudonym, study, study + ".9", sop));
    }
}
