package org.deidgateway.cli;

import com.pixelmed.dicom.Attribute;
import com.pixelmed.dicom.AttributeList;
import com.pixelmed.dicom.TagFromName;
import org.deidgateway.dicom.DicomFiles;
import org.deidgateway.testsupport.JournaledDisk;
import org.deidgateway.testsupport.TestData;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.deidgateway.cli.ItSupport.dicomFiles;
import static org.deidgateway.cli.ItSupport.freePort;
import static org.deidgateway.cli.ItSupport.readQuietly;
import static org.deidgateway.cli.ItSupport.waitFor;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 4's kill -9 on the file system hospitals run (journaled ext4) with four senders at once:
 * four storescu processes send a study each to `deid serve`, whose home is on the journaled disk;
 * the gateway is killed in the middle, started again, and the destination (storescp, a file per
 * received object whatever its UID) must hold every instance that got Success, and none twice.
 */
class ParallelSendersKillIT {

    private static final Map<String, String> ENV = Map.of("DEID_PASSPHRASE", "gateway-passphrase",
            "DEID_CURATOR_PASSPHRASE", "curator-passphrase");
    private static final int SENDERS = 4;
    private static final int INSTANCES = 400;

    @TempDir
    Path dir;
    private final List<Process> started = new ArrayList<>();
    private JournaledDisk disk;

    @AfterEach
    void stopAll() throws Exception {
        started.forEach(Process::destroyForcibly);
        for (Process p : started) {
            p.waitFor(30, TimeUnit.SECONDS);
        }
        if (disk != null) {
            disk.close();
        }
    }

    @Test
    void killMinus9WithFourSendersOnAJournaledDiskLosesNothingThatGotSuccessAndDeliversNothingTwice() throws Exception {
        disk = JournaledDisk.mount(dir.resolve("ext4"), 1024);
        assertTrue(disk.features().contains("has_journal"), disk.features());
        Path studies = dir.resolve("ct");
        run(List.of("/usr/bin/python3", TestData.repoRoot().resolve("bench/generate-ct.py").toString(), studies.toString(),
                Integer.toString(INSTANCES), Integer.toString(SENDERS)));

        Path home = disk.path().resolve("home");
        Path received = dir.resolve("received");
        Files.createDirectories(received);
        int port = freePort();
        int peerPort = freePort();
        assertEquals(0, DeidProcess.run(dir, ENV, "init", "--home", home.toString(), "--project", "lung", "--curator", "Ana",
                "--curator-out", dir.resolve("ana.p12").toString()).exit());
        assertEquals(0, DeidProcess.run(dir, ENV, "destination", "add", "--home", home.toString(), "--name", "peer",
                "--dicom", "STORESCP@127.0.0.1:" + peerPort).exit());
        assertEquals(0, DeidProcess.run(dir, ENV, "config", "set", "--home", home.toString(), "dicom.port",
                Integer.toString(port)).exit());
        assertEquals(0, DeidProcess.run(dir, ENV, "config", "set", "--home", home.toString(), "dicom.bind-address",
                "127.0.0.1").exit());
        ProcessBuilder storescp = new ProcessBuilder("storescp", "+uf", "-fe", ".dcm", "-aet", "STORESCP", "-od", received.toString(),
                Integer.toString(peerPort)).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD);
        storescp.environment().put("TCP_NODELAY", "1");
        started.add(storescp.start());

        Process serve = serve(home);
        List<Path> logs = new ArrayList<>();
        for (int k = 1; k <= SENDERS; k++) {
            logs.add(storescu(port, studies.resolve("study-" + k)));
        }
        waitFor(() -> acknowledged(logs).values().stream().mapToInt(Integer::intValue).sum() >= INSTANCES / 3, 120,
                "a third acknowledged");
        serve.destroyForcibly(); // kill -9, while all four send
        serve.waitFor(30, TimeUnit.SECONDS);
        Thread.sleep(1000);
        Map<String, Integer> acknowledged = acknowledged(logs);
        int total = acknowledged.values().stream().mapToInt(Integer::intValue).sum();
        assertTrue(total < INSTANCES, "the kill interrupted the transfer (" + total + " acknowledged)");

        Process again = serve(home);
        waitFor(() -> ItSupport.countFiles(received) >= total, 180, "every acknowledged instance delivered after the restart");
        // then quiet: nothing waits at any stage, and storescp has finished writing
        waitFor(() -> {
            String status = DeidProcess.run(dir, ENV, "queue", "status", "--home", home.toString()).out();
            return status.contains("received, waiting to be processed: 0")
                    && status.matches("(?s).*peer\\s+0\\s+\\d+\\s+0.*");
        }, 120, "nothing left to process or deliver");
        long before;
        do {
            before = ItSupport.countFiles(received);
            Thread.sleep(1000);
        } while (ItSupport.countFiles(received) != before);

        Map<String, Integer> perPatient = new HashMap<>();
        Set<String> instances = new HashSet<>();
        List<Path> delivered = dicomFiles(received);
        List<String> twice = new ArrayList<>();
        for (Path file : delivered) {
            AttributeList d = DicomFiles.read(file).dataset();
            String sop = Attribute.getSingleStringValueOrEmptyString(d, TagFromName.SOPInstanceUID);
            if (!instances.add(sop)) {
                twice.add(file.getFileName().toString());
            }
            assertFalse(new String(Files.readAllBytes(file), java.nio.charset.StandardCharsets.ISO_8859_1)
                    .contains("Bench^Patient"), "de-identified: " + file.getFileName());
            perPatient.merge(Attribute.getSingleStringValueOrEmptyString(d, TagFromName.PatientID), 1, Integer::sum);
        }
        assertEquals(List.of(), twice, "instances delivered twice, of " + delivered.size());
        // each sender's study is its own patient; a sender's acknowledged instances are its first ones
        assertEquals(SENDERS, acknowledged.size(), acknowledged.toString());
        List<Integer> deliveredCounts = new ArrayList<>(perPatient.values());
        List<Integer> acknowledgedCounts = new ArrayList<>(acknowledged.values());
        deliveredCounts.sort(null);
        acknowledgedCounts.sort(null);
        assertTrue(perPatient.size() <= SENDERS, perPatient.toString());
        int deliveredTotal = delivered.size();
        assertTrue(deliveredTotal >= total && deliveredTotal <= INSTANCES, deliveredTotal + " delivered, " + total
                + " acknowledged");
        // patients are pseudonymized, so match sender to patient by order: the k-th largest number
        // delivered for a patient must cover the k-th largest number acknowledged to a sender
        while (deliveredCounts.size() < SENDERS) {
            deliveredCounts.add(0, 0);
        }
        for (int k = 0; k < SENDERS; k++) {
            assertTrue(deliveredCounts.get(k) >= acknowledgedCounts.get(k), "acknowledged per sender " + acknowledged
                    + ", delivered per patient " + perPatient);
        }
        again.destroy();
        assertTrue(again.waitFor(30, TimeUnit.SECONDS), "stops on SIGTERM");
    }

    /** Success responses each sender has had so far, by its study folder. */
    private static Map<String, Integer> acknowledged(List<Path> logs) {
        Map<String, Integer> counts = new HashMap<>();
        for (Path log : logs) {
            String text = readQuietly(log);
            int n = 0;
            for (int i = text.indexOf("Received Store Response (Success)"); i >= 0;
                 i = text.indexOf("Received Store Response (Success)", i + 1)) {
                n++;
            }
            counts.put(log.getFileName().toString(), n);
        }
        return counts;
    }

    private int serves;

    private Process serve(Path home) throws Exception {
        serves++;
        Process p = ItSupport.serve(dir, home, ENV, Integer.toString(serves));
        started.add(p);
        return p;
    }

    private Path storescu(int port, Path folder) throws Exception {
        ProcessBuilder pb = new ProcessBuilder("storescu", "-v", "+sd", "-aec", "DEIDGW", "-to", "20", "-ta", "20", "-td", "20",
                "127.0.0.1", Integer.toString(port), folder.toString());
        pb.environment().put("TCP_NODELAY", "1");
        Path log = dir.resolve("storescu-" + folder.getFileName() + ".log");
        pb.redirectErrorStream(true).redirectOutput(log.toFile());
        started.add(pb.start());
        return log;
    }

    private static void run(List<String> command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        assertTrue(p.waitFor(5, TimeUnit.MINUTES) && p.exitValue() == 0, "failed: " + command);
    }
}
