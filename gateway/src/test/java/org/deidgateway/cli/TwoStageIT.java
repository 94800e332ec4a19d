package org.deidgateway.cli;

import org.deidgateway.testsupport.TestDatabases;
import com.pixelmed.dicom.Attribute;
import com.pixelmed.dicom.AttributeList;
import com.pixelmed.dicom.SequenceAttribute;
import com.pixelmed.dicom.TagFromName;
import org.deidgateway.dicom.DicomFiles;
import org.deidgateway.testsupport.TestData;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.deidgateway.cli.ItSupport.dicomFiles;
import static org.deidgateway.cli.ItSupport.freePort;
import static org.deidgateway.cli.ItSupport.waitFor;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A two-stage project end to end: storescu sends two studies of one patient six months apart, the
 * gateway holds them, a curator lists and releases the case, storescp receives it anonymized with
 * dates shifted, and the same patient sent again cannot be released a second time.
 */
class TwoStageIT {

    private static final Map<String, String> ENV = Map.of("DEID_PASSPHRASE", "gateway-passphrase",
            "DEID_CURATOR_PASSPHRASE", "curator-passphrase");
    private static final List<String> ORIGINAL_DATES = List.of("20200115", "20200715", "19600310");

    @TempDir
    Path dir;
    private final List<Process> started = new ArrayList<>();

    @AfterEach
    void stopAll() {
        started.forEach(Process::destroyForcibly);
    }

    @Test
    void heldCaseIsReleasedOnceAnonymizedWithIntervalsKept() throws Exception {
        Path home = dir.resolve("home");
        Path dest = dir.resolve("dest");
        Files.createDirectories(dest);
        int port = freePort();
        int destPort = freePort();
        startStorescp(dest, destPort);
        run("init", "--home", home.toString(), "--project", "lung", "--curator", "Ana", "--curator-out",
                dir.resolve("ana.p12").toString());
        run("destination", "add", "--home", home.toString(), "--name", "central", "--dicom", "CENTRAL@127.0.0.1:" + destPort);
        run("config", "set", "--home", home.toString(), "dicom.port", Integer.toString(port));
        run("config", "set", "--home", home.toString(), "dicom.bind-address", "127.0.0.1");
        run("config", "set", "--home", home.toString(), "metrics.port", "0");
        run("config", "set", "--home", home.toString(), "projects.lung.mode", "two-stage");
        DeidProcess.Result bad = DeidProcess.run(dir, ENV, "config", "set", "--home", home.toString(), "projects.lung.mode",
                "three-stage");
        assertEquals(1, bad.exit(), bad.err());
        assertTrue(bad.err().contains("projects[0].mode"), bad.err());
        DeidProcess.Result noProfile = DeidProcess.run(dir, ENV, "config", "set", "--home", home.toString(),
                "projects.lung.curation.release-profile", "nosuch");
        assertEquals(1, noProfile.exit());
        assertTrue(noProfile.err().contains("unknown profile 'nosuch'"), noProfile.err());
        run("config", "set", "--home", home.toString(), "projects.lung.accept-screen-captures", "false");

        Path studies = dir.resolve("studies");
        generate(studies, "PAT-2S-0001", "20200115", "20200715");
        serve(home);
        storescu(port, studies);
        Path curation = home.resolve("curation");
        waitFor(() -> dicomFiles(curation).size() == 4 && dicomFiles(home.resolve("spool")).isEmpty(), 60,
                "four instances held, originals gone");
        Thread.sleep(1500);
        assertEquals(0, dicomFiles(dest).size(), "nothing of a two-stage project leaves before its release");

        DeidProcess.Result list = run("curation", "list", "--home", home.toString());
        String row = list.out().lines().filter(l -> l.startsWith("LUNG-")).findFirst().orElseThrow(() -> new AssertionError(list.out()));
        String pseudonym = row.split("\\s+")[0];
        assertTrue(row.matches(".*\\s2\\s+4\\s+CT\\s+2020-01-15\\s+2020-07-15\\s+6 mo\\s+none set.*"), row);
        assertTrue(list.out().contains("1 held case"), list.out());
        DeidProcess.Result show = run("curation", "show", "--home", home.toString(), pseudonym);
        assertEquals(2, show.out().lines().filter(l -> l.startsWith("study ")).count(), show.out());

        DeidProcess.Result stranger = DeidProcess.run(dir, ENV, "release", "--home", home.toString(), "--pseudonym", pseudonym,
                "--reason", "x", "--curator", "Nobody");
        assertEquals(1, stranger.exit());
        assertTrue(stranger.err().contains("no registered curator 'Nobody'"), stranger.err());
        DeidProcess.Result released = run("release", "--home", home.toString(), "--pseudonym", pseudonym, "--reason",
                "inclusion checked, follow-up complete", "--curator", "Ana");
        assertTrue(released.out().contains("4 instances in 2 studies"), released.out());
        waitFor(() -> dicomFiles(dest).size() == 4, 60, "the released case at the destination");
        waitFor(() -> dicomFiles(home.resolve("outbox")).isEmpty(), 30, "delivered copies deleted");

        Set<String> patientIds = new HashSet<>();
        Set<String> studyDates = new HashSet<>();
        Set<String> birthDates = new HashSet<>();
        for (Path file : dicomFiles(dest)) {
            AttributeList ds = DicomFiles.read(file).dataset();
            String id = text(ds, TagFromName.PatientID);
            patientIds.add(id);
            assertEquals(id, text(ds, TagFromName.PatientName));
            studyDates.add(text(ds, TagFromName.StudyDate));
            birthDates.add(text(ds, TagFromName.PatientBirthDate));
            assertEquals("MODIFIED", text(ds, TagFromName.LongitudinalTemporalInformationModified));
            String codes = codeValues(ds);
            assertTrue(codes.contains("113107") && !codes.contains("113106"), codes);
            String bytes = Files.readString(file, StandardCharsets.ISO_8859_1);
            for (String date : ORIGINAL_DATES) {
                assertFalse(bytes.contains(date), file + " still holds " + date);
            }
            assertFalse(bytes.contains(pseudonym), file + " still holds the stage-one pseudonym");
            assertFalse(bytes.contains("PAT-2S-0001") || bytes.contains("Doe^Jane"), file + " holds the identity");
        }
        assertEquals(1, patientIds.size(), "one new patient ID for the case: " + patientIds);
        String newId = patientIds.iterator().next();
        assertNotEquals(pseudonym, newId);
        assertEquals(2, studyDates.size(), studyDates.toString());
        List<LocalDate> dates = studyDates.stream().map(d -> LocalDate.parse(d, DateTimeFormatter.BASIC_ISO_DATE)).sorted().toList();
        assertEquals(ChronoUnit.DAYS.between(LocalDate.of(2020, 1, 15), LocalDate.of(2020, 7, 15)),
                ChronoUnit.DAYS.between(dates.get(0), dates.get(1)), "the interval between the studies survives: " + dates);
        long offset = ChronoUnit.DAYS.between(LocalDate.of(2020, 1, 15), dates.get(0));
        assertNotEquals(0, offset, "dates are shifted");
        assertTrue(Math.abs(offset) <= 180, "within the default range: " + offset);
        assertEquals(Set.of(LocalDate.of(1960, 3, 10).plusDays(offset).format(DateTimeFormatter.BASIC_ISO_DATE)), birthDates,
                "the birth date moves with the studies, so ages stay right");
        assertNoFileHolds(home, newId, "the new patient ID");
        assertEquals(0, dicomFiles(curation).size(), "held copies deleted after the release");

        // released again at once: nothing is held any more, and the register says why
        DeidProcess.Result twice = DeidProcess.run(dir, ENV, "release", "--home", home.toString(), "--pseudonym", pseudonym,
                "--reason", "once more");
        assertEquals(1, twice.exit(), twice.out() + twice.err());
        assertTrue(twice.err().contains("was released before (1 time)"), twice.err());

        // the same patient sent again is held again, and a second release is refused
        Path again = dir.resolve("again");
        generate(again, "PAT-2S-0001", "20210115");
        storescu(port, again);
        waitFor(() -> dicomFiles(curation).size() == 2, 60, "the new study held");
        DeidProcess.Result refused = DeidProcess.run(dir, ENV, "release", "--home", home.toString(), "--pseudonym", pseudonym,
                "--reason", "new follow-up");
        assertEquals(1, refused.exit(), refused.out() + refused.err());
        assertTrue(refused.err().contains("released before"), refused.err());
        Thread.sleep(1000);
        assertEquals(4, dicomFiles(dest).size(), "nothing more sent");

        String audit = run("audit", "show", "--home", home.toString()).out();
        assertTrue(audit.contains("case-released") && audit.contains("case-release-refused"), audit);
        assertTrue(audit.contains(pseudonym) && audit.contains("curator:Ana"), audit);
        assertFalse(audit.contains(newId), "the audit never names the new identity");
    }

    private DeidProcess.Result run(String... args) throws IOException, InterruptedException {
        DeidProcess.Result r = DeidProcess.run(dir, ENV, args);
        assertEquals(0, r.exit(), String.join(" ", args) + ": " + r.err());
        return r;
    }

    private void generate(Path out, String patientId, String... dates) throws Exception {
        List<String> command = new ArrayList<>(List.of("/usr/bin/python3",
                TestData.repoRoot().resolve("gateway/src/test/python/one_patient_two_studies.py").toString(), out.toString(),
                patientId));
        command.addAll(List.of(dates));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0, log);
    }

    private void serve(Path home) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(TestData.repoRoot().resolve("deid").toString(), "serve", "--home", home.toString());
        pb.environment().keySet().removeIf(TestDatabases::clearedForChild);
        pb.environment().putAll(ENV);
        pb.redirectErrorStream(true).redirectOutput(dir.resolve("serve.log").toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        started.add(pb.start());
    }

    private void startStorescp(Path out, int port) throws Exception {
        ProcessBuilder pb = new ProcessBuilder("storescp", "-fe", ".dcm", "-od", out.toString(), Integer.toString(port));
        pb.environment().put("TCP_NODELAY", "1");
        pb.redirectErrorStream(true).redirectOutput(dir.resolve("storescp.log").toFile());
        started.add(pb.start());
        waitFor(() -> {
            try (java.net.Socket s = new java.net.Socket("127.0.0.1", port)) {
                return true;
            } catch (IOException e) {
                return false;
            }
        }, 10, "storescp listening");
    }

    private void storescu(int port, Path folder) throws Exception {
        // the gateway needs a moment to listen after its start
        for (int attempt = 0; ; attempt++) {
            List<String> command = new ArrayList<>(List.of("storescu", "-aec", "DEIDGW", "-aet", "PACS", "+sd", "127.0.0.1",
                    Integer.toString(port), folder.toString()));
            ProcessBuilder pb = new ProcessBuilder(command);
            pb.environment().put("TCP_NODELAY", "1");
            Path log = dir.resolve("storescu-" + attempt + ".log");
            pb.redirectErrorStream(true).redirectOutput(log.toFile());
            Process p = pb.start();
            assertTrue(p.waitFor(120, TimeUnit.SECONDS));
            if (p.exitValue() == 0) {
                return;
            }
            if (attempt == 60) {
                throw new AssertionError("storescu failed: " + Files.readString(log));
            }
            Thread.sleep(500);
        }
    }

    private static String codeValues(AttributeList ds) {
        StringBuilder sb = new StringBuilder();
        SequenceAttribute codes = (SequenceAttribute) ds.get(TagFromName.DeidentificationMethodCodeSequence);
        for (int i = 0; codes != null && i < codes.getNumberOfItems(); i++) {
            sb.append(text(codes.getItem(i).getAttributeList(), TagFromName.CodeValue)).append(' ');
        }
        return sb.toString();
    }

    private static String text(AttributeList ds, com.pixelmed.dicom.AttributeTag tag) {
        return Attribute.getSingleStringValueOrEmptyString(ds, tag).trim();
    }

    /** Fails when a file under the folder holds the string's bytes (ASCII, as DICOM and SQLite store it). */
    private static void assertNoFileHolds(Path folder, String needle, String what) throws IOException {
        byte[] n = needle.getBytes(StandardCharsets.US_ASCII);
        try (Stream<Path> walk = Files.walk(folder)) {
            for (Path f : walk.filter(Files::isRegularFile).toList()) {
                byte[] content;
                try {
                    content = Files.readAllBytes(f);
                } catch (java.nio.file.NoSuchFileException e) {
                    continue; // reused or deleted by the running gateway since the walk listed it
                }
                outer:
                for (int i = 0; i + n.length <= content.length; i++) {
                    for (int j = 0; j < n.length; j++) {
                        if (content[i + j] != n[j]) {
                            continue outer;
                        }
                    }
                    throw new AssertionError(f + " holds " + what);
                }
            }
        }
    }
}
