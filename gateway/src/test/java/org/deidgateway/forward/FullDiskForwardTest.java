package org.deidgateway.forward;

import org.deidgateway.metrics.GatewayMetrics;
import org.deidgateway.store.Database;
import org.deidgateway.testsupport.LogCapture;
import org.deidgateway.testsupport.SmallDisk;
import org.deidgateway.testsupport.TestData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The home on a full disk (a 2 MiB tmpfs, filled): the forwarder delivers to a folder elsewhere
 * but cannot record the deliveries, and retries several times a second. It must say so once, say
 * once that it works again when space is back, and then record every delivery.
 */
class FullDiskForwardTest {

    private static final String DESTINATION = "archive";
    private static final int OBJECTS = 3;

    @TempDir
    Path dir;

    @Test
    void aFullDiskIsLoggedOnceAndItsEndOnceAndEveryObjectIsDelivered() throws Exception {
        Path delivered = Files.createDirectories(dir.resolve("destination"));
        try (SmallDisk disk = SmallDisk.mount(dir.resolve("home"))) {
            Path outboxFiles = Files.createDirectories(disk.path().resolve("outbox"));
            Forwarder forwarder;
            Thread thread;
            try (Database db = Database.open(disk.path().resolve("deid.db")); LogCapture log = LogCapture.of("org.deidgateway")) {
                Outbox outbox = new Outbox(db);
                enqueue(db, outboxFiles);
                disk.fill();
                forwarder = new Forwarder(DESTINATION, new FolderChannel(delivered), outbox, outboxFiles,
                        GatewayMetrics.inMemory());
                thread = new Thread(forwarder, "forward-" + DESTINATION);
                thread.start();
                try {
                    Thread.sleep(4000);
                    List<LogCapture.Line> whileFull = log.lines().stream().filter(LogCapture.Line::warnOrWorse).toList();
                    assertEquals(0, outbox.count(Outbox.DELIVERED), "the disk was full: nothing could be recorded");
                    assertEquals(1, whileFull.size(), "said once in 4 s: " + whileFull);
                    assertTrue(whileFull.get(0).message().contains("forwarding to " + DESTINATION + " paused"), whileFull.toString());
                    for (LogCapture.Line line : log.lines()) {
                        assertFalse(line.message().contains(dir.toString()), "a path in the log: " + line);
                    }

                    disk.free();
                    long deadline = System.currentTimeMillis() + 15_000;
                    while (outbox.count(Outbox.DELIVERED) < OBJECTS && System.currentTimeMillis() < deadline) {
                        Thread.sleep(100);
                    }
                    assertEquals(OBJECTS, outbox.count(Outbox.DELIVERED));
                    assertEquals(0, outbox.count(Outbox.DEAD));
                    List<LogCapture.Line> resumed = log.containing("forwarding to " + DESTINATION + " resumed");
                    assertEquals(1, resumed.size(), log.lines().toString());
                    assertTrue(resumed.get(0).message().matches(".*; \\d+ attempts failed in \\d+ m?s"), resumed.toString());
                    assertEquals(1, log.lines().stream().filter(LogCapture.Line::warnOrWorse).count(), log.lines().toString());
                } finally {
                    forwarder.stop();
                    thread.join(10_000);
                }
            }
        }
        try (Stream<Path> files = Files.walk(delivered)) {
            assertEquals(OBJECTS, files.filter(f -> f.toString().endsWith(".dcm")).count(), "every object in the destination");
        }
    }

    /** OBJECTS copies in the outbox, each with its pending row. */
    private static void enqueue(Database db, Path outboxFiles) throws Exception {
        for (int i = 1; i <= OBJECTS; i++) {
            String file = i + ".dcm";
            Files.copy(TestData.pydicom("CT_small.dcm"), outboxFiles.resolve(file));
            String spoolFile = "spool-" + i + ".dcm";
            long received = db.inTransaction(c -> {
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO received(spool_file, calling_ae, called_ae,"
                        + " sop_class_uid, transfer_syntax_uid, size, received_at) VALUES (?, 'PACS', 'DEIDGW',"
                        + " '1.2.840.10008.5.1.4.1.1.2', '1.2.840.10008.1.2.1', 1, '2024-01-01T00:00:00Z')",
                        Statement.RETURN_GENERATED_KEYS)) {
                    ps.setString(1, spoolFile);
                    ps.executeUpdate();
                    try (ResultSet keys = ps.getGeneratedKeys()) {
                        keys.next();
                        return keys.getLong(1);
                    }
                }
            });
            String target = "P/S/E/" + i + ".dcm";
            db.inTransaction(c -> {
                Outbox.add(c, received, List.of(DESTINATION), file, target);
                return null;
            });
        }
    }
}
