package org.deidgateway.cli;

import org.deidgateway.testsupport.TestData;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The packaged command line, run through the ./deid launcher as a separate process. */
class CliIT {

    static final String PASSPHRASE = "cli-test-passphrase";
    static final String CURATOR_PASSPHRASE = "cli-curator-passphrase";
    private static Path home;

    @TempDir
    static Path shared;

    static DeidProcess.Result deid(Map<String, String> env, String... args) throws IOException, InterruptedException {
        return DeidProcess.run(shared, env, args);
    }

    static DeidProcess.Result deid(String... args) throws IOException, InterruptedException {
        return deid(Map.of("DEID_PASSPHRASE", PASSPHRASE, "DEID_CURATOR_PASSPHRASE", CURATOR_PASSPHRASE), args);
    }

    @BeforeAll
    static void init() throws Exception {
        home = shared.resolve("home");
        DeidProcess.Result r = deid("init", "--home", home.toString(), "--project", "lung-study", "--curator", "Test Curator",
                "--curator-out", shared.resolve("curator.p12").toString());
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("LUNG_STUDY-"), r.out());
        assertTrue(Files.isRegularFile(home.resolve("keystore.p12")));
        assertTrue(Files.readString(home.resolve("deid.yaml")).contains("profile: pseudonymize"));
    }

    @Test
    void helpListsEveryCommand() throws Exception {
        DeidProcess.Result r = deid("--help");
        assertEquals(0, r.exit());
        for (String command : List.of("init", "deidentify", "profile")) {
            assertTrue(r.out().contains(command), r.out());
        }
    }

    @Test
    void initRefusesAnExistingHomeAndNeedsAPassphrase() throws Exception {
        DeidProcess.Result again = deid("init", "--home", home.toString());
        assertNotEquals(0, again.exit());
        assertTrue(again.err().contains("refusing to overwrite"), again.err());
        DeidProcess.Result noPassphrase = deid(Map.of(), "init", "--home", shared.resolve("other").toString());
        assertNotEquals(0, noPassphrase.exit());
        assertTrue(noPassphrase.err().contains("DEID_PASSPHRASE"), noPassphrase.err());
        assertFalse(Files.exists(shared.resolve("other").resolve("keystore.p12")));
    }

    @Test
    void deidentifiesFilesAndReportsEachFailureWithoutPatientData() throws Exception {
        Path input = shared.resolve("input");
        Files.createDirectories(input);
        byte[] ct = Files.readAllBytes(TestData.pydicom("CT_small.dcm"));
        Files.write(input.resolve("ct.dcm"), ct);
        Files.copy(TestData.pydicom("MR_small.dcm"), input.resolve("mr.dcm"));
        Files.write(input.resolve("truncated.dcm"), java.util.Arrays.copyOf(ct, ct.length / 2));
        Files.writeString(input.resolve("notes.txt"), "not an image");
        Path out = shared.resolve("out");
        DeidProcess.Result r = deid("deidentify", "--home", home.toString(), "--out", out.toString(), input.toString());
        assertEquals(1, r.exit(), "a failed file makes the exit code non-zero");
        assertTrue(r.out().contains("de-identified 2 of 4 files, 2 failed"), r.out());
        assertTrue(r.err().contains("truncated.dcm: truncated"), r.err());
        assertTrue(r.err().contains("notes.txt: not DICOM"), r.err());
        assertFalse(r.err().contains("CompressedSamples") || r.out().contains("CompressedSamples"),
                "no patient name in any output line");
        List<Path> written;
        try (Stream<Path> walk = Files.walk(out)) {
            written = walk.filter(Files::isRegularFile).toList();
        }
        assertEquals(2, written.size(), "nothing written for the failed files, no temporary file left: " + written);
        assertTrue(written.stream().allMatch(p -> p.getFileName().toString().matches("2\\.25\\.\\d+\\.dcm")));
        assertTrue(written.get(0).toString().contains("LUNG_STUDY-"));
    }

    @Test
    void theAnonymizeProfileGivesEachPatientOneRandomIdAndOneDateOffsetPerRun() throws Exception {
        Path input = shared.resolve("anon-in");
        Process gen = new ProcessBuilder("/usr/bin/python3",
                TestData.repoRoot().resolve("gateway/src/test/python/one_patient_two_studies.py").toString(), input.toString(),
                "PAT-ANON-1", "20190301", "20190901").redirectErrorStream(true).start();
        assertEquals(0, gen.waitFor(), new String(gen.getInputStream().readAllBytes()));
        Path out = shared.resolve("anon-out");
        DeidProcess.Result r = deid("deidentify", "--home", home.toString(), "--profile", "anonymize", "--whole-weeks",
                "--out", out.toString(), input.toString());
        assertEquals(0, r.exit(), r.err());
        List<Path> written;
        try (Stream<Path> walk = Files.walk(out)) {
            written = walk.filter(Files::isRegularFile).toList();
        }
        assertEquals(4, written.size(), written.toString());
        java.util.Set<String> ids = new java.util.HashSet<>();
        java.util.Set<Long> offsets = new java.util.HashSet<>();
        for (Path file : written) {
            com.pixelmed.dicom.AttributeList ds = org.deidgateway.dicom.DicomFiles.read(file).dataset();
            ids.add(com.pixelmed.dicom.Attribute.getSingleStringValueOrEmptyString(ds, com.pixelmed.dicom.TagFromName.PatientID));
            java.time.LocalDate study = java.time.LocalDate.parse(com.pixelmed.dicom.Attribute.getSingleStringValueOrEmptyString(ds,
                    com.pixelmed.dicom.TagFromName.StudyDate), java.time.format.DateTimeFormatter.BASIC_ISO_DATE);
            java.time.LocalDate birth = java.time.LocalDate.parse(com.pixelmed.dicom.Attribute.getSingleStringValueOrEmptyString(ds,
                    com.pixelmed.dicom.TagFromName.PatientBirthDate), java.time.format.DateTimeFormatter.BASIC_ISO_DATE);
            long offset = java.time.temporal.ChronoUnit.DAYS.between(java.time.LocalDate.of(1960, 3, 10), birth);
            offsets.add(offset);
            assertTrue(study.equals(java.time.LocalDate.of(2019, 3, 1).plusDays(offset))
                    || study.equals(java.time.LocalDate.of(2019, 9, 1).plusDays(offset)), study + " with offset " + offset);
            String bytes = Files.readString(file, java.nio.charset.StandardCharsets.ISO_8859_1);
            assertFalse(bytes.contains("20190301") || bytes.contains("20190901") || bytes.contains("19600310")
                    || bytes.contains("PAT-ANON-1") || bytes.contains("Doe^Jane"), file.toString());
        }
        assertEquals(1, ids.size(), "one patient, one new ID: " + ids);
        assertTrue(ids.iterator().next().matches("ANON-[0-9A-Z]{26}"), ids.toString());
        assertEquals(1, offsets.size(), "one offset for the patient: " + offsets);
        long offset = offsets.iterator().next();
        assertTrue(offset != 0 && offset % 7 == 0 && Math.abs(offset) <= 180, "whole weeks within +/-180: " + offset);
        String audit = deid("audit", "show", "--home", home.toString()).out();
        assertFalse(audit.contains(ids.iterator().next()), "the new ID is not audited");
    }

    @Test
    void badInputsGiveOneClearLineAndNonZeroExit() throws Exception {
        Path ct = TestData.pydicom("CT_small.dcm");
        DeidProcess.Result wrong = deid(Map.of("DEID_PASSPHRASE", "not-the-passphrase"), "deidentify", "--home", home.toString(),
                "--out", shared.resolve("o-wrong").toString(), ct.toString());
        assertNotEquals(0, wrong.exit());
        assertTrue(wrong.err().contains("wrong passphrase"), wrong.err());

        DeidProcess.Result unknown = deid("deidentify", "--home", home.toString(), "--profile", "nosuch",
                "--out", shared.resolve("o-unknown").toString(), ct.toString());
        assertNotEquals(0, unknown.exit());
        assertTrue(unknown.err().contains("unknown profile 'nosuch'"), unknown.err());

        Path file = Files.writeString(shared.resolve("a-file"), "x");
        DeidProcess.Result unwritable = deid("deidentify", "--home", home.toString(), "--out", file.resolve("sub").toString(), ct.toString());
        assertNotEquals(0, unwritable.exit());
        assertTrue(unwritable.err().contains("cannot create the output folder"), unwritable.err());

        DeidProcess.Result noShift = deid("deidentify", "--home", home.toString(), "--profile", "anonymize",
                "--max-shift-days", "0", "--out", shared.resolve("o-anon").toString(), ct.toString());
        assertNotEquals(0, noShift.exit());
        assertTrue(noShift.err().contains("the maximum date shift must be 1 to 3650 days"), noShift.err());
        assertFalse(Files.exists(shared.resolve("o-anon")));

        DeidProcess.Result weeksWithoutShift = deid("deidentify", "--home", home.toString(), "--profile", "pseudonymize",
                "--whole-weeks", "--out", shared.resolve("o-weeks").toString(), ct.toString());
        assertNotEquals(0, weeksWithoutShift.exit());
        assertTrue(weeksWithoutShift.err().contains("apply to an anonymizing profile only"), weeksWithoutShift.err());

        DeidProcess.Result notHome = deid("deidentify", "--home", shared.toString(), "--out", shared.resolve("o").toString(), ct.toString());
        assertNotEquals(0, notHome.exit());
        assertTrue(notHome.err().contains("is not a deid-gateway home"), notHome.err());
    }

    @Test
    void profileCommandsExplainWhatHappens() throws Exception {
        DeidProcess.Result list = deid("profile", "list");
        assertEquals(0, list.exit());
        assertTrue(list.out().contains("pseudonymize") && list.out().contains("basic") && list.out().contains("anonymize"));
        DeidProcess.Result show = deid("profile", "show", "pseudonymize");
        assertEquals(0, show.exit());
        assertTrue(show.out().lines().filter(l -> l.startsWith("(")).count() >= 621, "every table row shown");
        DeidProcess.Result explain = deid("profile", "explain", "pseudonymize", "ProtocolName");
        assertEquals(0, explain.exit());
        assertTrue(explain.out().contains("clean") && explain.out().contains("Clean Descriptors"), explain.out());
        DeidProcess.Result badTag = deid("profile", "explain", "pseudonymize", "NoSuchKeyword");
        assertNotEquals(0, badTag.exit());
    }
}
