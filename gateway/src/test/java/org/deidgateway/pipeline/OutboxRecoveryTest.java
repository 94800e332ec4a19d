package org.deidgateway.pipeline;

import org.deidgateway.testsupport.TestDatabases;
import org.deidgateway.dicom.DicomFiles;
import org.deidgateway.forward.Outbox;
import org.deidgateway.receive.IntakeLog;
import org.deidgateway.store.Database;
import org.deidgateway.testsupport.TestData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Real SQLite, real files: after a crash every waiting copy must hold the object its row names.
 * A whole file holding another object (what a reused file can show after a power cut) is made
 * again, exactly like a cut one; a right one stays.
 */
class OutboxRecoveryTest {

    @TempDir
    Path dir;

    @Test
    void aWholeCopyOfAnotherObjectIsMadeAgainLikeACutOne() throws Exception {
        Path spool = Files.createDirectories(dir.resolve("spool"));
        Path outbox = Files.createDirectories(dir.resolve("outbox"));
        Processor.Folders folders = new Processor.Folders(spool, outbox, dir.resolve("quarantine"));
        Path ct = TestData.pydicom("CT_small.dcm");
        Path mr = TestData.pydicom("MR_small.dcm");
        String ctUid = DicomFiles.verifyComplete(ct).sopInstanceUid();
        String mrUid = DicomFiles.verifyComplete(mr).sopInstanceUid();
        try (Database db = TestDatabases.open(dir.resolve("deid.db"))) {
            IntakeLog intake = new IntakeLog(db);
            List<Long> ids = new ArrayList<>();
            for (String name : List.of("a.dcm", "b.dcm", "c.dcm")) {
                Path original = Files.copy(ct, spool.resolve(name));
                intake.recordAll(List.of(new IntakeLog.Received(original, "PACS", "DEIDGW", "1.2.840.10008.5.1.4.1.1.2",
                        "1.2.840.10008.1.2.1", Files.size(original))));
            }
            db.inTransaction(c -> {
                try (PreparedStatement ps = c.prepareStatement("SELECT id FROM received ORDER BY id");
                     ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        ids.add(rs.getLong(1));
                    }
                }
                // the right object; another whole object under a row naming the CT; a cut copy
                Outbox.add(c, ids.get(0), List.of("out"), "1.dcm", "P/S/E/" + ctUid + ".dcm");
                Outbox.add(c, ids.get(1), List.of("out"), "2.dcm", "P/S/E/" + ctUid + ".dcm");
                Outbox.add(c, ids.get(2), List.of("out"), "3.dcm", "P/S/E/" + ctUid + ".dcm");
                try (PreparedStatement ps = c.prepareStatement("UPDATE received SET state = 'processed'")) {
                    ps.executeUpdate();
                }
                return null;
            });
            Files.copy(ct, outbox.resolve("1.dcm"));
            Files.copy(mr, outbox.resolve("2.dcm"));
            byte[] whole = Files.readAllBytes(ct);
            Files.write(outbox.resolve("3.dcm"), java.util.Arrays.copyOf(whole, whole.length / 2));
            assertFalse(ctUid.equals(mrUid));

            OutboxRecovery.Result result = OutboxRecovery.run(db, folders);

            assertEquals(new OutboxRecovery.Result(3, 2, 0), result);
            assertTrue(Files.exists(outbox.resolve("1.dcm")));
            assertFalse(Files.exists(outbox.resolve("2.dcm")), "the other object's file is gone");
            assertFalse(Files.exists(outbox.resolve("3.dcm")));
            assertEquals(2, intake.count(IntakeLog.STATE_RECEIVED), "both go back to be processed again");
            assertEquals(1, new Outbox(db).count(Outbox.PENDING));
            // a second start finds everything in order
            assertEquals(new OutboxRecovery.Result(1, 0, 0), OutboxRecovery.run(db, folders));
        }
    }
}
