package org.deidgateway.curate;

import org.deidgateway.testsupport.TestDatabases;
import org.deidgateway.deid.AnonymousIdentities;
import org.deidgateway.deid.DeidentifierFactory;
import org.deidgateway.pseudonym.ProjectKeys;
import org.deidgateway.store.Database;
import org.deidgateway.testsupport.Engines;
import org.deidgateway.testsupport.TestData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A release on real files and a real SQLite database, without the network: all or nothing, once. */
class CaseReleaseTest {

    @TempDir
    Path dir;

    @Test
    void aCaseIsQueuedWholeOnceAndAFailedReleaseLeavesNothing() throws Exception {
        try (Database db = TestDatabases.open(dir.resolve("deid.db"))) {
            CurationStore store = new CurationStore(db, dir.resolve("curation"));
            Path outbox = Files.createDirectories(dir.resolve("outbox"));
            hold(db, store, "LUNG-A", "1.1", "1.1.1");
            hold(db, store, "LUNG-A", "1.1", "1.1.2");
            // a held copy that is no DICOM any more: the whole case must stay held
            HeldInstance broken = hold(db, store, "LUNG-B", "2.1", "2.1.1");
            hold(db, store, "LUNG-B", "2.1", "2.1.2");
            Files.writeString(store.fileOf(broken), "damaged");

            CaseRelease release = new CaseRelease(db, store, outbox, List.of("central", "copy"),
                    new ReleaseRegister(new ProjectKeys("lung", TestData.secret(1))));

            CaseRelease.ReleaseException failed = assertThrows(CaseRelease.ReleaseException.class,
                    () -> release(release, "LUNG-B", false));
            assertTrue(failed.getMessage().contains("nothing released"), failed.getMessage());
            assertEquals(0, files(outbox), "what was written for the failed case is gone");
            assertEquals(0, count(db, "SELECT count(*) FROM outbox"));
            assertEquals(2, store.waiting("lung", "LUNG-B").size(), "still held");

            CaseRelease.Released released = release(release, "LUNG-A", false);
            assertEquals(2, released.instances());
            assertEquals(1, released.studies());
            assertEquals(2, files(outbox));
            assertEquals(4, count(db, "SELECT count(*) FROM outbox WHERE state = 'pending'"), "two objects, two destinations");
            assertEquals(0, count(db, "SELECT count(*) FROM outbox WHERE target_path LIKE '%ANON-%'"),
                    "the new patient ID is in no row");
            assertEquals(0, store.waiting("lung", "LUNG-A").size());

            // the same patient held again: refused, then released under --force
            hold(db, store, "LUNG-A", "1.2", "1.2.1");
            CaseRelease.ReleaseException again = assertThrows(CaseRelease.ReleaseException.class,
                    () -> release(release, "LUNG-A", false));
            assertTrue(again.getMessage().contains("released before"), again.getMessage());
            assertEquals(1, release(release, "LUNG-A", true).instances());
            assertEquals(2, count(db, "SELECT releases FROM release_register"));
            assertEquals(1, count(db, "SELECT count(*) FROM audit WHERE event = 'case-release-refused'"));
            assertEquals(2, count(db, "SELECT count(*) FROM audit WHERE event = 'case-released'"));
        }
    }

    private CaseRelease.Released release(CaseRelease release, String pseudonym, boolean force) throws Exception {
        try (AnonymousIdentities ids = AnonymousIdentities.create(180, false)) {
            return release.release(new CaseRelease.Request("lung", pseudonym, "checked", force, "test", 0),
                    DeidentifierFactory.createAnonymizing("lung", Engines.profile("anonymize"), ids), n -> { });
        }
    }

    private static HeldInstance hold(Database db, CurationStore store, String pseudonym, String study, String sop) throws Exception {
        HeldInstance h = new HeldInstance("lung", pseudonym, study, study + ".9", sop, "1.2.840.10008.5.1.4.1.1.2", "CT",
                "20200115", HeldInstance.relativeFile("lung", pseudonym, study, study + ".9", sop));
        Files.createDirectories(store.fileOf(h).getParent());
        Files.copy(TestData.pydicom("CT_small.dcm"), store.fileOf(h));
        db.inTransaction(c -> {
            CurationStore.hold(c, h);
            return null;
        });
        return h;
    }

    private static long files(Path folder) throws Exception {
        try (Stream<Path> list = Files.list(folder)) {
            return list.count();
        }
    }

    private static long count(Database db, String sql) throws Exception {
        return db.read(c -> {
            try (PreparedStatement ps = c.prepareStatement(sql); ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        });
    }
}
