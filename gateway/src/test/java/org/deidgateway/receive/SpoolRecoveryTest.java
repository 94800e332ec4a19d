package org.deidgateway.receive;

import org.deidgateway.testsupport.TestDatabases;
import org.deidgateway.store.Database;
import org.deidgateway.store.FileRecycler;
import org.deidgateway.testsupport.TestData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The spool file is the durable record of a received object; its row comes after Success. These
 * tests take the rows away (as a crash before the recorder wrote them would) and check that the
 * start-up recovery gives every complete file its row again, with the AE titles it arrived with,
 * and drops what was cut or already processed.
 */
class SpoolRecoveryTest {

    @TempDir
    Path dir;

    @Test
    void objectsReceivedByStorescuAreRecordedAgainFromTheirFilesAlone() throws Exception {
        Path spoolFolder = dir.resolve("spool");
        try (Database db = TestDatabases.open(dir.resolve("deid.db"))) {
            IntakeLog intake = new IntakeLog(db);
            // rows are never written: the recorder's queue is simply not drained, as after kill -9
            IntakeRecorder neverRuns = new IntakeRecorder(intake, () -> { });
            try (DicomListener listener = DicomListener.start(new ReceiverSettings("DEIDGW", "127.0.0.1", 0, 4, 100,
                    Duration.ofSeconds(5), Duration.ofSeconds(10), ReceiverSettings.DEFAULT_MAX_PDU_LENGTH, Set.of(),
                    Set.of("LUNGAE")), new StoreService(new Spool(spoolFolder), neverRuns,
                    org.deidgateway.metrics.GatewayMetrics.inMemory()))) {
                Process storescu = new ProcessBuilder("storescu", "-aet", "PACS1", "-aec", "LUNGAE", "127.0.0.1",
                        String.valueOf(listener.port()), TestData.pydicom("CT_small.dcm").toString(),
                        TestData.pydicom("MR_small.dcm").toString()).redirectErrorStream(true).start();
                storescu.getInputStream().readAllBytes();
                assertTrue(storescu.waitFor(30, TimeUnit.SECONDS));
                assertEquals(0, storescu.exitValue());
            }
            assertEquals(2, neverRuns.backlog());
            assertEquals(0, intake.count(IntakeLog.STATE_RECEIVED));

            // a file cut while arriving, and an original whose object was processed before the crash
            byte[] mr = Files.readAllBytes(TestData.pydicom("MR_small.dcm"));
            Files.write(spoolFolder.resolve("cut.dcm"), Arrays.copyOf(mr, mr.length - 100));
            Path processed = Files.copy(TestData.pydicom("CT_small.dcm"), spoolFolder.resolve("done.dcm"));
            intake.recordAll(List.of(new IntakeLog.Received(processed, "PACS1", "DEIDGW", "1.2.3", "1.2.840.10008.1.2.1", 1)));
            db.inTransaction(c -> {
                try (PreparedStatement ps = c.prepareStatement("UPDATE received SET state = 'processed'")) {
                    return ps.executeUpdate();
                }
            });

            IntakeLog.Recovery recovery = intake.recover(spoolFolder, "DEIDGW");
            assertEquals(new IntakeLog.Recovery(2, 1, 1), recovery);
            assertEquals(2, intake.count(IntakeLog.STATE_RECEIVED));
            assertFalse(Files.exists(spoolFolder.resolve("cut.dcm")));
            assertFalse(Files.exists(processed));
            List<String> rows = db.read(c -> {
                try (PreparedStatement ps = c.prepareStatement("SELECT calling_ae || ' ' || called_ae || ' ' || sop_class_uid"
                        + " FROM received WHERE state = 'received' ORDER BY sop_class_uid");
                     ResultSet rs = ps.executeQuery()) {
                    List<String> out = new java.util.ArrayList<>();
                    while (rs.next()) {
                        out.add(rs.getString(1));
                    }
                    return out;
                }
            });
            assertEquals(List.of("PACS1 LUNGAE 1.2.840.10008.5.1.4.1.1.2", "PACS1 LUNGAE 1.2.840.10008.5.1.4.1.1.4"), rows);
            // a second start finds nothing more to do
            assertEquals(new IntakeLog.Recovery(0, 0, 0), intake.recover(spoolFolder, "DEIDGW"));
        }
    }

    @Test
    void reservedSpoolFilesAreEmptyUntilUsedAndACrashLeavesNothingButIncompleteFiles() throws Exception {
        Path spoolFolder = dir.resolve("spool");
        try (Database db = TestDatabases.open(dir.resolve("deid.db"));
             FileRecycler recycler = FileRecycler.forFolders(spoolFolder)) {
            IntakeLog intake = new IntakeLog(db);
            IntakeRecorder neverRuns = new IntakeRecorder(intake, () -> { });
            Spool spool = new Spool(spoolFolder, recycler);
            try (DicomListener listener = DicomListener.start(new ReceiverSettings("DEIDGW", "127.0.0.1", 0, 4, 100,
                    Duration.ofSeconds(5), Duration.ofSeconds(10), ReceiverSettings.DEFAULT_MAX_PDU_LENGTH, Set.of(),
                    Set.of()), new StoreService(spool, neverRuns, org.deidgateway.metrics.GatewayMetrics.inMemory()))) {
                Process storescu = new ProcessBuilder("storescu", "-aet", "PACS1", "-aec", "DEIDGW", "127.0.0.1",
                        String.valueOf(listener.port()), TestData.pydicom("CT_small.dcm").toString(),
                        TestData.pydicom("MR_small.dcm").toString()).redirectErrorStream(true).start();
                storescu.getInputStream().readAllBytes();
                assertTrue(storescu.waitFor(30, TimeUnit.SECONDS));
                assertEquals(0, storescu.exitValue());
            }
            // one batch reserved: the two objects in two of its files, the others empty under their final names
            List<Long> sizes = spoolFiles(spoolFolder).stream().map(SpoolRecoveryTest::size).toList();
            assertEquals(Spool.RESERVE_BATCH, sizes.size());
            assertEquals(Spool.RESERVE_BATCH - 2, sizes.stream().filter(n -> n == 0).count());

            // as after kill -9: the objects are recorded from their files, the empty reservations go
            assertEquals(new IntakeLog.Recovery(2, Spool.RESERVE_BATCH - 2, 0), intake.recover(spoolFolder, "DEIDGW"));
            assertEquals(2, spoolFiles(spoolFolder).size());

            // a clean stop deletes the reservations nobody used; an object refused half-way goes back to the pool
            Spool.Incoming refused = spool.begin(FileMetaHeader.encode("1.2.840.10008.5.1.4.1.1.2", "1.2.3.4",
                    "1.2.840.10008.1.2.1", "PACS1", "DEIDGW"));
            refused.close();
            assertEquals(1, recycler.free());
            spool.releaseReserved();
            assertEquals(2, spoolFiles(spoolFolder).size());
        }
    }

    private static List<Path> spoolFiles(Path folder) throws java.io.IOException {
        try (var files = Files.list(folder)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".dcm")).toList();
        }
    }

    private static long size(Path file) {
        try {
            return Files.size(file);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void originalsWaitingForThePixelStageOrCleanedAreKept() throws Exception {
        Path spoolFolder = Files.createDirectories(dir.resolve("spool"));
        try (Database db = TestDatabases.open(dir.resolve("deid.db"))) {
            IntakeLog intake = new IntakeLog(db);
            Path waiting = Files.copy(TestData.pydicom("CT_small.dcm"), spoolFolder.resolve("waiting.dcm"));
            Path cleaned = Files.copy(TestData.pydicom("MR_small.dcm"), spoolFolder.resolve("cleaned.dcm"));
            intake.recordAll(List.of(new IntakeLog.Received(waiting, "PACS1", "DEIDGW", "1.2.3", "1.2.840.10008.1.2.1", 1),
                    new IntakeLog.Received(cleaned, "PACS1", "DEIDGW", "1.2.4", "1.2.840.10008.1.2.1", 1)));
            db.inTransaction(c -> {
                try (PreparedStatement ps = c.prepareStatement("UPDATE received SET state = CASE spool_file WHEN 'waiting.dcm'"
                        + " THEN '" + org.deidgateway.pipeline.PixelStage.WAITING + "' ELSE '"
                        + org.deidgateway.pipeline.PixelStage.CLEANED + "' END")) {
                    return ps.executeUpdate();
                }
            });
            IntakeLog.Recovery recovery = intake.recover(spoolFolder, "DEIDGW");
            assertEquals(new IntakeLog.Recovery(0, 0, 0), recovery);
            assertTrue(Files.exists(waiting) && Files.exists(cleaned), "the only copies of objects not yet processed");
        }
    }
}
