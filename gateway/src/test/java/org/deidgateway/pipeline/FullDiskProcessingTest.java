package org.deidgateway.pipeline;

import com.pixelmed.dicom.TagFromName;
import com.pixelmed.dicom.UniqueIdentifierAttribute;
import org.deidgateway.config.ProjectConfig;
import org.deidgateway.dicom.DicomFiles;
import org.deidgateway.dicom.DicomObject;
import org.deidgateway.forward.FolderChannel;
import org.deidgateway.forward.Forwarder;
import org.deidgateway.forward.Outbox;
import org.deidgateway.metrics.GatewayMetrics;
import org.deidgateway.receive.IntakeLog;
import org.deidgateway.store.Database;
import org.deidgateway.testsupport.Engines;
import org.deidgateway.testsupport.LogCapture;
import org.deidgateway.testsupport.SmallDisk;
import org.deidgateway.testsupport.TestData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The home on a full disk (a 2 MiB tmpfs, filled) with received objects waiting: the processing
 * loop cannot write their de-identified copies and retries ten times a second. It must say so
 * once (in the log or on stderr), quarantine nothing, say once that it works again when space is
 * back, and then every object must reach the destination.
 */
class FullDiskProcessingTest {

    private static final String DESTINATION = "archive";
    private static final int OBJECTS = 3;

    @TempDir
    Path dir;

    @Test
    void aFullDiskIsLoggedOnceAndItsEndOnceAndEveryObjectIsProcessedAndDelivered() throws Exception {
        Path delivered = Files.createDirectories(dir.resolve("destination"));
        ByteArrayOutputStream stderr = new ByteArrayOutputStream();
        PrintStream originalErr = System.err;
        try (SmallDisk disk = SmallDisk.mount(dir.resolve("home"))) {
            Path home = disk.path();
            Path spool = Files.createDirectories(home.resolve("spool"));
            Processor.Folders folders = new Processor.Folders(spool, home.resolve("outbox"), home.resolve("quarantine"),
                    home.resolve("curation"));
            List<Thread> threads = new ArrayList<>();
            ProcessingLoop processing = null;
            Forwarder forwarder = null;
            try (Database db = Database.open(home.resolve("deid.db")); LogCapture log = LogCapture.of("org.deidgateway")) {
                IntakeLog intake = new IntakeLog(db);
                receive(intake, spool);
                Outbox outbox = new Outbox(db);
                GatewayMetrics metrics = GatewayMetrics.inMemory();
                forwarder = new Forwarder(DESTINATION, new FolderChannel(delivered), outbox, folders.outboxFiles(), metrics);
                ProjectRouter router = new ProjectRouter(List.of(new ProjectRouter.Route(new ProjectConfig("study", "basic",
                        "STUDY"), Engines.forProfile("basic", "study", 1), false)));
                Processor processor = new Processor(db, folders, router, null, List.of(DESTINATION), metrics, forwarder::wake);
                processing = new ProcessingLoop(processor);
                disk.fill();
                System.setErr(new PrintStream(tee(originalErr, stderr), true, StandardCharsets.UTF_8));
                threads.add(start("forward-" + DESTINATION, forwarder));
                threads.add(start("process", processing));

                Thread.sleep(4000);
                assertEquals(OBJECTS, intake.count(IntakeLog.STATE_RECEIVED), "the disk was full: nothing processed");
                assertEquals(0, intake.count(Processor.QUARANTINED), "a full disk is no reason for the quarantine");
                List<String> whileFull = failureLines(log, stderr);
                assertEquals(1, whileFull.size(), "said once in 4 s: " + whileFull);
                assertTrue(whileFull.get(0).contains("processing paused"), whileFull.toString());

                disk.free();
                long deadline = System.currentTimeMillis() + 20_000;
                while (outbox.count(Outbox.DELIVERED) < OBJECTS && System.currentTimeMillis() < deadline) {
                    Thread.sleep(100);
                }
                assertEquals(OBJECTS, outbox.count(Outbox.DELIVERED));
                assertEquals(0, intake.count(Processor.QUARANTINED));
                List<LogCapture.Line> resumed = log.containing("processing resumed");
                assertEquals(1, resumed.size(), log.lines().toString());
                assertTrue(resumed.get(0).message().matches("processing resumed; \\d+ attempts failed in \\d+ m?s"),
                        resumed.toString());
                assertEquals(1, failureLines(log, stderr).size(), log.lines() + "\n" + stderr);
                for (LogCapture.Line line : log.lines()) {
                    assertFalse(line.message().contains(dir.toString()), "a path in the log: " + line);
                }
            } finally {
                System.setErr(originalErr);
                if (processing != null) {
                    processing.stop();
                }
                if (forwarder != null) {
                    forwarder.stop();
                }
                for (Thread t : threads) {
                    t.join(10_000);
                }
            }
        }
        try (Stream<Path> files = Files.walk(delivered)) {
            assertEquals(OBJECTS, files.filter(f -> f.toString().endsWith(".dcm")).count(), "every object in the destination");
        }
    }

    /** WARN and ERROR lines of the log, and the lines the processing printed on stderr. */
    private static List<String> failureLines(LogCapture log, ByteArrayOutputStream stderr) {
        List<String> lines = new ArrayList<>();
        log.lines().stream().filter(LogCapture.Line::warnOrWorse).forEach(l -> lines.add(l.toString()));
        String err;
        synchronized (stderr) {
            err = stderr.toString(StandardCharsets.UTF_8);
        }
        // what ProcessingLoop used to print on stderr for each failed round
        err.lines().filter(l -> l.startsWith("deid:")).forEach(lines::add);
        return lines;
    }

    /** OBJECTS CT instances, each its own SOP instance, in the spool with their intake rows. */
    private static void receive(IntakeLog intake, Path spool) throws Exception {
        for (int i = 1; i <= OBJECTS; i++) {
            DicomObject object = DicomFiles.read(TestData.pydicom("CT_small.dcm"));
            UniqueIdentifierAttribute sop = new UniqueIdentifierAttribute(TagFromName.SOPInstanceUID);
            sop.addValue("2.25." + (7000 + i));
            object.dataset().put(sop);
            Path file = spool.resolve("received-" + i + ".dcm");
            DicomFiles.writeAtomically(object, file);
            intake.recordAll(List.of(new IntakeLog.Received(file, "PACS", "DEIDGW", "1.2.840.10008.5.1.4.1.1.2",
                    object.transferSyntaxUid(), Files.size(file))));
        }
    }

    private static OutputStream tee(PrintStream first, ByteArrayOutputStream second) {
        return new OutputStream() {
            @Override
            public void write(int b) {
                first.write(b);
                synchronized (second) {
                    second.write(b);
                }
            }

            @Override
            public void write(byte[] b, int off, int len) {
                first.write(b, off, len);
                synchronized (second) {
                    second.write(b, off, len);
                }
            }
        };
    }

    private static Thread start(String name, Runnable work) {
        Thread t = new Thread(work, name);
        t.start();
        return t;
    }
}
