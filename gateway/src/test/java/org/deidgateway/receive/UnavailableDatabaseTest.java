package org.deidgateway.receive;

import org.deidgateway.metrics.GatewayMetrics;
import org.deidgateway.store.Database;
import org.deidgateway.testsupport.TestData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A gateway whose database cannot record what it receives (here: another process holds SQLite's
 * lock; on a shared server: the server is gone) stops answering Success instead of piling up
 * objects nobody can record, and accepts again by itself when the database answers. Real storescu.
 */
class UnavailableDatabaseTest {

    @TempDir
    Path dir;

    @Test
    void objectsAreRefusedWhileTheDatabaseCannotRecordThemAndAcceptedWhenItCanAgain() throws Exception {
        String previous = System.setProperty("deid.db.busy-timeout-ms", "200");
        Database db;
        try {
            db = Database.open(dir.resolve("deid.db"));
        } finally {
            if (previous == null) {
                System.clearProperty("deid.db.busy-timeout-ms");
            } else {
                System.setProperty("deid.db.busy-timeout-ms", previous);
            }
        }
        IntakeLog intake = new IntakeLog(db);
        IntakeRecorder recorder = new IntakeRecorder(intake, () -> { });
        Thread recording = new Thread(recorder, "intake");
        recording.start();
        try (db; DicomListener listener = DicomListener.start(new ReceiverSettings("DEIDGW", "127.0.0.1", 0, 8,
                Duration.ofSeconds(5), Duration.ofSeconds(10), ReceiverSettings.DEFAULT_MAX_PDU_LENGTH, Set.of()),
                new StoreService(new Spool(dir.resolve("spool")), recorder, GatewayMetrics.inMemory()))) {
            try (Connection holder = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("deid.db"));
                 Statement s = holder.createStatement()) {
                s.execute("BEGIN EXCLUSIVE");
                // the first object is durable in the spool before anyone knows the database is locked
                String first = storescu(listener, TestData.pydicom("CT_small.dcm"));
                assertTrue(first.contains("Success"), first);
                waitUntil(() -> recorder.unavailable() != null, "the recorder noticed the lock");
                String refused = storescu(listener, TestData.pydicom("MR_small.dcm"));
                // dcmtk names status 0xA7xx so
                assertTrue(refused.contains("Refused: OutOfResources"), refused);
                assertNotNull(recorder.unavailable());
                s.execute("ROLLBACK");
            }
            waitUntil(() -> recorder.unavailable() == null, "the recorder noticed the database answers again");
            String again = storescu(listener, TestData.pydicom("MR_small.dcm"));
            assertTrue(again.contains("Success"), again);
            waitUntil(() -> count(intake) == 2, "both accepted objects recorded");
            // the refused object left nothing behind: two files in the spool, two rows
            try (var files = Files.list(dir.resolve("spool"))) {
                assertEquals(2, files.filter(p -> p.getFileName().toString().endsWith(".dcm")).count());
            }
        } finally {
            recorder.stop();
            recording.join(10_000);
        }
    }

    private static long count(IntakeLog intake) {
        try {
            return intake.count(IntakeLog.STATE_RECEIVED);
        } catch (Exception e) {
            return -1;
        }
    }

    private static void waitUntil(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "timed out: " + what);
            Thread.sleep(50);
        }
    }

    private String storescu(DicomListener listener, Path file) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(List.of("storescu", "-v", "-aec", "DEIDGW", "-to", "10", "-ta", "10",
                "-td", "10", "127.0.0.1", Integer.toString(listener.port()), file.toString()));
        pb.environment().put("TCP_NODELAY", "1");
        Path log = Files.createTempFile(dir, "storescu", ".log");
        pb.redirectErrorStream(true).redirectOutput(log.toFile());
        Process p = pb.start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "storescu finished");
        return Files.readString(log, StandardCharsets.UTF_8);
    }
}
