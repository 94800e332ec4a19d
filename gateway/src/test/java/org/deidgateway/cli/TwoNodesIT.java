package org.deidgateway.cli;

import com.pixelmed.dicom.Attribute;
import com.pixelmed.dicom.AttributeList;
import com.pixelmed.dicom.TagFromName;
import org.deidgateway.dicom.DicomFiles;
import org.deidgateway.store.Database;
import org.deidgateway.testsupport.TestData;
import org.deidgateway.testsupport.TestDatabases;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.deidgateway.cli.ItSupport.dicomFiles;
import static org.deidgateway.cli.ItSupport.freePort;
import static org.deidgateway.cli.ItSupport.readQuietly;
import static org.deidgateway.cli.ItSupport.waitFor;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Two `deid serve` nodes on one PostgreSQL database (issue 15): one patient's studies arrive half at
 * each node, both forward to one storescp; there is one identity record and one pseudonym; a
 * curator re-identifies from either node; the audit chain verifies across both nodes' entries.
 * Then one node is killed with -9 in the middle of a transfer, the sender sends the rest to the
 * other node, and after the restart every instance has arrived, a copy twice only for what was in
 * flight at the kill (docs/architecture.md: delivery is at least once).
 */
class TwoNodesIT {

    private static final Map<String, String> ENV = Map.of("DEID_PASSPHRASE", "two-nodes-passphrase",
            "DEID_CURATOR_PASSPHRASE", "two-nodes-curator-passphrase");
    private static final int PER_STUDY = 60;
    private static final int KILLED_STUDY = 400;
    private static final Pattern SENT = Pattern.compile("Sending file: (\\S+)");

    @TempDir
    Path dir;
    private final List<Process> started = new ArrayList<>();

    @AfterEach
    void stopAll() throws Exception {
        started.forEach(Process::destroyForcibly);
        for (Process p : started) {
            p.waitFor(30, TimeUnit.SECONDS);
        }
    }

    @Test
    void onePatientAcrossTwoNodesIsOneIdentityAndAKilledNodeLosesNothingAcknowledged() throws Exception {
        assumeTrue(TestDatabases.onPostgresql(), "needs the suite's PostgreSQL server (test.sh's second pass)");
        Path studies = dir.resolve("ct");
        Path killed = dir.resolve("ct-killed");
        python(TestData.repoRoot().resolve("bench/generate-ct.py").toString(), studies.toString(),
                Integer.toString(2 * PER_STUDY), "2");
        python(TestData.repoRoot().resolve("bench/generate-ct.py").toString(), killed.toString(),
                Integer.toString(KILLED_STUDY), "1");
        // every study of one patient: the generator gives study-2 a second patient, made the first here
        python("-c", "import sys, glob, pydicom\n"
                + "for f in glob.glob(sys.argv[1] + '/*.dcm'):\n"
                + "    ds = pydicom.dcmread(f); ds.PatientID = 'BENCH0001'; ds.PatientName = 'Bench^Patient1'; ds.save_as(f)\n",
                studies.resolve("study-2").toString());

        Path homeA = dir.resolve("node-a");
        Path homeB = dir.resolve("node-b");
        Path received = Files.createDirectories(dir.resolve("received"));
        int peerPort = freePort();
        ok("init", "--home", homeA.toString(), "--project", "lung", "--node", "node_a", "--curator", "Ana",
                "--curator-out", dir.resolve("ana.p12").toString());
        ok("destination", "add", "--home", homeA.toString(), "--name", "peer", "--dicom", "STORESCP@127.0.0.1:" + peerPort);
        ok("init", "--home", homeB.toString(), "--join", homeA.toString(), "--node", "node_b");
        int portA = configure(homeA);
        int portB = configure(homeB);
        // --fork: an association per node at once, as a central repository takes them
        ProcessBuilder storescp = new ProcessBuilder("storescp", "--fork", "+uf", "-fe", ".dcm", "-aet", "STORESCP", "-od",
                received.toString(), Integer.toString(peerPort)).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD);
        storescp.environment().put("TCP_NODELAY", "1");
        started.add(storescp.start());

        long t0 = System.nanoTime();
        Process serveA = serve(homeA, "a1");
        serve(homeB, "b1");
        Path toA = storescu(portA, "a", List.of(studies.resolve("study-1")));
        Path toB = storescu(portB, "b", List.of(studies.resolve("study-2")));
        waitFor(() -> successes(toA).size() == PER_STUDY && successes(toB).size() == PER_STUDY, 120, "both studies acknowledged");
        waitFor(() -> ItSupport.countFiles(received) >= 2L * PER_STUDY, 120, "both nodes forwarded");

        System.out.printf("two nodes: %d instances of one patient through both in %.1f s%n", 2 * PER_STUDY,
                (System.nanoTime() - t0) / 1e9);
        // one identity record and one pseudonym for the patient both nodes saw
        try (Database shared = TestDatabases.open(homeA.resolve("deid.db"), "node_a")) {
            assertEquals(1, count(shared, "SELECT count(*) FROM identity"));
            assertEquals(2, count(shared, "SELECT count(*) FROM study_link"));
        }
        Set<String> pseudonyms = new HashSet<>();
        for (Path f : dicomFiles(received)) {
            pseudonyms.add(Attribute.getSingleStringValueOrEmptyString(DicomFiles.read(f).dataset(), TagFromName.PatientID));
        }
        assertEquals(1, pseudonyms.size(), pseudonyms.toString());
        String pseudonym = pseudonyms.iterator().next();
        // the curator re-identifies from either node; the chain holds both nodes' entries
        for (Path home : List.of(homeA, homeB)) {
            DeidProcess.Result r = DeidProcess.run(dir, ENV, "reidentify", "--home", home.toString(), "--curator-keystore",
                    dir.resolve("ana.p12").toString(), "--pseudonym", pseudonym, "--reason", "two-node test");
            assertEquals(0, r.exit(), r.err());
            assertTrue(r.out().contains("BENCH0001") && r.out().contains("studies       2"), r.out());
            DeidProcess.Result verify = DeidProcess.run(dir, ENV, "audit", "verify", "--home", home.toString());
            assertEquals(0, verify.exit(), verify.out() + verify.err());
        }
        DeidProcess.Result status = DeidProcess.run(dir, ENV, "queue", "status", "--home", homeB.toString());
        assertTrue(status.out().contains("node node_a:") && status.out().contains("node node_b (this one):"), status.out());

        // kill -9 node A in the middle of a transfer; the sender sends what A did not acknowledge to B
        Path killedLog = storescu(portA, "killed", List.of(killed));
        waitFor(() -> successes(killedLog).size() >= KILLED_STUDY / 4, 120, "a quarter acknowledged by node A");
        serveA.destroyForcibly();
        serveA.waitFor(30, TimeUnit.SECONDS);
        Thread.sleep(1000);
        Set<String> acknowledgedByA = successes(killedLog);
        assertTrue(acknowledgedByA.size() < KILLED_STUDY, "the kill interrupted the transfer");
        System.out.printf("two nodes: node A killed after %d of %d acknowledged (%.1f s)%n", acknowledgedByA.size(),
                KILLED_STUDY, (System.nanoTime() - t0) / 1e9);
        List<Path> rest = new ArrayList<>();
        try (var files = Files.list(killed)) {
            files.filter(f -> !acknowledgedByA.contains(f.toString())).sorted().forEach(rest::add);
        }
        Path restLog = storescu(portB, "rest", rest);
        waitFor(() -> successes(restLog).size() == rest.size(), 180, "node B acknowledged the rest");
        System.out.printf("two nodes: node B acknowledged the other %d (%.1f s)%n", rest.size(), (System.nanoTime() - t0) / 1e9);
        serve(homeA, "a2");
        long expected = 2L * PER_STUDY + KILLED_STUDY;
        waitFor(() -> ItSupport.countFiles(received) >= expected, 180, "every instance delivered");
        long before;
        do {
            before = ItSupport.countFiles(received);
            Thread.sleep(1500);
        } while (ItSupport.countFiles(received) != before);

        System.out.printf("two nodes: all %d delivered after node A's restart (%.1f s)%n", expected, (System.nanoTime() - t0) / 1e9);
        // per de-identified study and instance number: every instance there; those A acknowledged once
        Map<String, Integer> copies = new HashMap<>();
        for (Path f : dicomFiles(received)) {
            AttributeList d = DicomFiles.read(f).dataset();
            copies.merge(Attribute.getSingleStringValueOrEmptyString(d, TagFromName.StudyInstanceUID) + "#"
                    + Attribute.getSingleStringValueOrEmptyString(d, TagFromName.InstanceNumber), 1, Integer::sum);
        }
        assertEquals(expected, copies.size(), "distinct instances delivered");
        // the killed study went partly through A, partly through B: both made the same new Study
        // Instance UID from the keystore they share, so the destination sees three studies, not four
        Set<String> studiesDelivered = new HashSet<>();
        copies.keySet().forEach(k -> studiesDelivered.add(k.substring(0, k.indexOf('#'))));
        assertEquals(3, studiesDelivered.size(), studiesDelivered.toString());
        List<String> twice = copies.entrySet().stream().filter(e -> e.getValue() > 1).map(Map.Entry::getKey).toList();
        // a copy twice is a resend of what was in flight at the kill, identical, under its one new SOP
        // Instance UID: at most the object node A had made durable but not yet answered (the sender
        // sent it again to B) and the delivery the destination had confirmed but A not yet recorded
        System.out.printf("two nodes: %d instance(s) delivered twice: %s%n", twice.size(), twice);
        assertTrue(twice.size() <= 2, "delivered twice: " + twice);
        try (Database shared = TestDatabases.open(homeA.resolve("deid.db"), "node_a")) {
            assertEquals(1, count(shared, "SELECT count(*) FROM identity"));
        }
    }

    /** Gives a node its own ports (DICOM and metrics), both on loopback; returns the DICOM port. */
    private int configure(Path home) throws Exception {
        int port = freePort();
        ok("config", "set", "--home", home.toString(), "dicom.port", Integer.toString(port));
        ok("config", "set", "--home", home.toString(), "dicom.bind-address", "127.0.0.1");
        ok("config", "set", "--home", home.toString(), "metrics.port", Integer.toString(freePort()));
        return port;
    }

    private void ok(String... args) throws Exception {
        DeidProcess.Result r = DeidProcess.run(dir, ENV, args);
        assertEquals(0, r.exit(), String.join(" ", args) + ": " + r.out() + r.err());
    }

    /** The files storescu had Success for, from its verbose log. */
    private static Set<String> successes(Path log) {
        Set<String> files = new HashSet<>();
        String current = null;
        for (String line : readQuietly(log).split("\n")) {
            Matcher m = SENT.matcher(line);
            if (m.find()) {
                current = m.group(1);
            } else if (line.contains("Received Store Response (Success)") && current != null) {
                files.add(current);
                current = null;
            }
        }
        return files;
    }

    private Process serve(Path home, String name) throws Exception {
        Process p = ItSupport.serve(dir, home, ENV, name);
        started.add(p);
        return p;
    }

    private Path storescu(int port, String name, List<Path> inputs) throws Exception {
        List<String> command = new ArrayList<>(List.of("storescu", "-v", "+sd", "-aec", "DEIDGW", "-to", "20", "-ta", "20",
                "-td", "20", "127.0.0.1", Integer.toString(port)));
        inputs.forEach(p -> command.add(p.toString()));
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().put("TCP_NODELAY", "1");
        Path log = dir.resolve("storescu-" + name + ".log");
        pb.redirectErrorStream(true).redirectOutput(log.toFile());
        started.add(pb.start());
        return log;
    }

    private static long count(Database db, String sql) throws Exception {
        return db.read(c -> {
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
                rs.next();
                return rs.getLong(1);
            }
        });
    }

    private static void python(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("/usr/bin/python3"));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        assertTrue(p.waitFor(5, TimeUnit.MINUTES) && p.exitValue() == 0, "failed: " + command);
    }
}
