package org.deidgateway.cli;

import org.deidgateway.testsupport.TestDatabases;
import com.pixelmed.dicom.Attribute;
import com.pixelmed.dicom.AttributeList;
import com.pixelmed.dicom.AttributeTag;
import com.pixelmed.dicom.DicomInputStream;
import com.pixelmed.dicom.LongStringAttribute;
import com.pixelmed.dicom.PersonNameAttribute;
import com.pixelmed.dicom.ShortStringAttribute;
import com.pixelmed.dicom.TagFromName;
import com.pixelmed.dicom.UniqueIdentifierAttribute;
import org.deidgateway.forward.DicomChannel;
import org.deidgateway.forward.DicomStoreClient;
import org.deidgateway.forward.ForwardException;
import org.deidgateway.forward.Part10Header;
import org.deidgateway.forward.StoreStatus;
import org.deidgateway.testsupport.TestData;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedInputStream;
import java.io.File;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.deidgateway.cli.ItSupport.dicomFiles;
import static org.deidgateway.cli.ItSupport.freePort;
import static org.deidgateway.cli.ItSupport.readQuietly;
import static org.deidgateway.cli.ItSupport.waitFor;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Seeded mutations of valid stores with a planted identity, sent byte for byte by the project's own
 * SCU to `deid serve` (a real process) on loopback, as a broken modality or a corrupted link would.
 * Every round: the listener still answers C-ECHO; a Success goes only to an object that two
 * independent readers (dcmdump and pydicom) read to its end without error; and when all is
 * processed, no planted value is anywhere in the bytes of any delivered file. -Dfuzz.rounds and
 * -Dfuzz.seed run it longer or differently.
 */
class HostileStoreFuzzIT {

    private static final Map<String, String> ENV = Map.of("DEID_PASSPHRASE", "gateway-passphrase",
            "DEID_CURATOR_PASSPHRASE", "curator-passphrase");
    private static final int ROUNDS = Integer.getInteger("fuzz.rounds", 240);
    private static final long SEED = Long.getLong("fuzz.seed", 12L);
    private static final List<String> BASES = List.of("CT_small.dcm", "MR_small.dcm", "MR_small_implicit.dcm",
            "MR_small_bigendian.dcm", "rtplan.dcm", "test-SR.dcm", "JPEG2000.dcm");

    /** The planted identity: values no de-identified file may hold, whatever the mutation did. */
    private static final Map<AttributeTag, String> PLANTED = new LinkedHashMap<>();

    static {
        PLANTED.put(TagFromName.PatientName, "Plantedsurname^Plantedgiven");
        PLANTED.put(TagFromName.PatientID, "PlantedPid4711");
        PLANTED.put(TagFromName.OtherPatientIDs, "PlantedOther0815");
        PLANTED.put(TagFromName.AccessionNumber, "PlantedAcc88");
        PLANTED.put(TagFromName.InstitutionName, "Planted Memorial Hospital");
        PLANTED.put(TagFromName.ReferringPhysicianName, "Plantedreferrer^Plantedfirst");
        PLANTED.put(TagFromName.PatientAddress, "Plantedstreet 12");
    }

    @TempDir
    Path dir;
    private final List<Process> started = new ArrayList<>();
    private int port;
    private int metricsPort;

    @AfterEach
    void stopAll() {
        started.forEach(Process::destroyForcibly);
    }

    @Test
    void mutatedStoresNeverGetSuccessUnreadAndNeverLeaveWithThePlantedIdentity() throws Exception {
        Path home = dir.resolve("home");
        Path out = dir.resolve("out");
        port = freePort();
        metricsPort = freePort();
        deid("init", "--home", home.toString(), "--project", "fuzz", "--curator", "Ana", "--curator-out",
                dir.resolve("ana.p12").toString());
        deid("destination", "add", "--home", home.toString(), "--name", "out", "--folder", out.toString());
        deid("config", "set", "--home", home.toString(), "dicom.port", Integer.toString(port));
        deid("config", "set", "--home", home.toString(), "dicom.bind-address", "127.0.0.1");
        deid("config", "set", "--home", home.toString(), "metrics.port", Integer.toString(metricsPort));
        serve(home);

        Random random = new Random(SEED);
        Path sent = Files.createDirectories(dir.resolve("sent"));
        List<Path> succeeded = new ArrayList<>();
        int refused = 0;
        int noStatus = 0;
        for (int round = 0; round < ROUNDS; round++) {
            byte[] base = planted(TestData.pydicom(BASES.get(random.nextInt(BASES.size()))), "2.25.20261206" + round);
            byte[] mutated = base.clone();
            int dataSet = (int) Part10Header.read(writeTemp(base)).dataSetOffset();
            String what = Mutations.apply(mutated, dataSet, random);
            Path file = Files.write(sent.resolve("round-" + round + ".dcm"), mutated);
            StoreStatus status;
            try (DicomStoreClient client = new DicomStoreClient(DicomChannel.parse("DEIDGW@127.0.0.1:" + port, "FUZZ"))) {
                Part10Header header = Part10Header.read(file);
                client.expect(header.sopClassUid(), header.transferSyntaxUid());
                status = client.store(file);
            } catch (Part10Header.MalformedException | ForwardException e) {
                // the mutation broke what our own SCU needs to send it, or the gateway aborted: no Success
                noStatus++;
                status = null;
            }
            if (status != null && status.code() == StoreStatus.SUCCESS) {
                succeeded.add(file);
            } else if (status != null) {
                refused++;
            }
            try (DicomStoreClient echo = new DicomStoreClient(DicomChannel.parse("DEIDGW@127.0.0.1:" + port, "FUZZ_ECHO"))) {
                echo.echo();
            } catch (ForwardException e) {
                throw new AssertionError("round " + round + " (" + what + "): C-ECHO not answered afterwards", e);
            }
        }
        System.out.printf("fuzz: %d rounds, seed %d: %d Success, %d failure statuses, %d not sent or aborted%n", ROUNDS,
                SEED, succeeded.size(), refused, noStatus);
        assertTrue(succeeded.size() >= ROUNDS / 10 && refused >= ROUNDS / 10, "the mutations exercise both outcomes");

        // an independent verdict on every object that got Success
        List<String> unread = independentlyUnreadable(succeeded);
        keepForInspection(unread, sent);
        assertEquals(List.of(), unread, "Success for objects dcmdump or pydicom cannot read to the end");

        // every Success ends delivered or in the quarantine; then the delivered bytes are searched
        waitFor(() -> metric("deid_processed_total") + metric("deid_quarantined_total") >= succeeded.size(), 120,
                "every received object de-identified or quarantined");
        waitFor(() -> metric("deid_forwarded_total{destination=\"out\"}") >= metric("deid_processed_total"), 120,
                "every de-identified object delivered");
        List<Path> delivered = dicomFiles(out);
        assertTrue(delivered.size() >= succeeded.size() / 2, delivered.size() + " of " + succeeded.size() + " delivered");
        List<String> leaks = new ArrayList<>();
        for (Path file : delivered) {
            String bytes = new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1);
            for (String value : PLANTED.values()) {
                for (String part : value.split("\\^")) {
                    if (bytes.contains(part)) {
                        leaks.add(file.getFileName() + " holds " + part);
                    }
                }
            }
        }
        assertEquals(List.of(), leaks, "planted identity in delivered files");
        System.out.printf("fuzz: %d delivered, %.0f quarantined, no planted value in any%n", delivered.size(),
                metric("deid_quarantined_total"));
        DeidProcess.Result held = DeidProcess.run(dir, ENV, "quarantine", "list", "--home", home.toString());
        assertEquals(0, held.exit(), held.err());
        // Success then the quarantine as unreadable is what the receiver's checks are there to prevent
        Map<String, Long> reasons = held.out().lines().filter(l -> l.startsWith(" ") || l.startsWith("\t"))
                .map(String::trim).collect(java.util.stream.Collectors.groupingBy(r -> r, java.util.stream.Collectors.counting()));
        System.out.println("fuzz: quarantined by reason " + reasons);
        assertTrue(reasons.keySet().stream().noneMatch(r -> r.startsWith("cannot be read")), reasons.toString());
    }

    /** A real file with the planted identity and its own SOP Instance UID, written by PixelMed. */
    private byte[] planted(Path original, String instance) throws Exception {
        AttributeList list = new AttributeList();
        try (InputStream in = new BufferedInputStream(Files.newInputStream(original))) {
            list.setDecompressPixelData(false);
            list.read(new DicomInputStream(in));
        }
        String transferSyntax = Attribute.getSingleStringValueOrEmptyString(list, TagFromName.TransferSyntaxUID).trim();
        for (Map.Entry<AttributeTag, String> e : PLANTED.entrySet()) {
            Attribute a = e.getKey().equals(TagFromName.PatientName) || e.getKey().equals(TagFromName.ReferringPhysicianName)
                    ? new PersonNameAttribute(e.getKey())
                    : e.getKey().equals(TagFromName.AccessionNumber) ? new ShortStringAttribute(e.getKey())
                    : new LongStringAttribute(e.getKey());
            a.addValue(e.getValue());
            list.put(a);
        }
        Attribute uid = new UniqueIdentifierAttribute(TagFromName.SOPInstanceUID);
        uid.addValue(instance);
        list.put(uid);
        Attribute metaUid = new UniqueIdentifierAttribute(TagFromName.MediaStorageSOPInstanceUID);
        metaUid.addValue(instance);
        list.put(metaUid);
        list.removeGroupLengthAttributes();
        list.removeMetaInformationHeaderAttributes();
        com.pixelmed.dicom.FileMetaInformation.addFileMetaInformation(list, transferSyntax, "DEIDFUZZ");
        Path file = dir.resolve("base.dcm");
        list.write(file.toFile(), transferSyntax, true, true);
        return Files.readAllBytes(file);
    }

    /** Failing inputs are copied to gateway/target/fuzz-failures: the temporary folder goes with the test. */
    private static void keepForInspection(List<String> findings, Path folder) throws Exception {
        Path keep = TestData.repoRoot().resolve("gateway/target/fuzz-failures");
        for (String finding : findings) {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("round-\\d+\\.dcm").matcher(finding);
            if (m.find()) {
                Files.createDirectories(keep);
                Files.copy(folder.resolve(m.group()), keep.resolve(m.group()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }

    private Path writeTemp(byte[] bytes) throws Exception {
        return Files.write(dir.resolve("header-probe.dcm"), bytes);
    }

    /** dcmdump (exit status and its error lines) and pydicom (every value of every item read). */
    private List<String> independentlyUnreadable(List<Path> files) throws Exception {
        List<String> unread = new ArrayList<>();
        for (Path file : files) {
            Process dump = new ProcessBuilder("dcmdump", "-q", "+E", file.toString()).redirectErrorStream(true).start();
            String output = new String(dump.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            assertTrue(dump.waitFor(30, TimeUnit.SECONDS));
            if (dump.exitValue() != 0 || output.lines().anyMatch(l -> l.startsWith("E: "))) {
                unread.add(file.getFileName() + ": dcmdump " + output.lines().filter(l -> l.startsWith("E: ")).findFirst()
                        .orElse("exit " + dump.exitValue()));
            }
        }
        if (files.isEmpty()) {
            return unread;
        }
        List<String> command = new ArrayList<>(List.of("/usr/bin/python3", "-c", String.join("\n",
                "import sys, pydicom",
                "for f in sys.argv[1:]:",
                "    try:",
                "        ds = pydicom.dcmread(f)",
                "        for e in ds.iterall():",
                "            e.value",
                "    except Exception as ex:",
                "        print('UNREADABLE', f, type(ex).__name__)")));
        files.forEach(f -> command.add(f.toString()));
        // its warnings (odd values it still reads) go to stderr, its verdicts to stdout
        Process python = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String output = new String(python.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(python.waitFor(120, TimeUnit.SECONDS));
        assertEquals(0, python.exitValue(), output);
        output.lines().filter(l -> l.startsWith("UNREADABLE ")).map(l -> "pydicom: " + l).forEach(unread::add);
        return unread;
    }

    private void serve(Path home) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(TestData.repoRoot().resolve("deid").toString(), "serve", "--home",
                home.toString());
        pb.environment().keySet().removeIf(TestDatabases::clearedForChild);
        pb.environment().putAll(ENV);
        Path stdout = Files.createTempFile(dir, "serve", ".out");
        Path stderr = Files.createTempFile(dir, "serve", ".err");
        pb.redirectOutput(stdout.toFile()).redirectError(stderr.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        started.add(pb.start());
        waitFor(() -> readQuietly(stdout).contains("metrics and health on") && readQuietly(stdout).contains("receiving as"),
                60, "the gateway listening");
    }

    private void deid(String... args) throws Exception {
        DeidProcess.Result r = DeidProcess.run(dir, ENV, args);
        assertEquals(0, r.exit(), String.join(" ", args) + ": " + r.err());
    }

    private double metric(String sample) throws Exception {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        String body = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + metricsPort + "/metrics"))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString()).body();
        return body.lines().filter(l -> l.startsWith(sample + " ")).findFirst()
                .map(l -> Double.parseDouble(l.substring(sample.length() + 1).trim())).orElse(0.0);
    }

    /** What a broken modality or a corrupted link does to a data set; the file meta stays sendable. */
    static final class Mutations {

        private Mutations() {
        }

        static String apply(byte[] file, int dataSet, Random random) {
            int headerEnd = Math.min(file.length, dataSet + 4096);
            return switch (random.nextInt(6)) {
                case 0 -> {
                    int at = explicitVrOffset(file, dataSet, headerEnd, random);
                    file[at] = (byte) random.nextInt(256);
                    file[at + 1] = (byte) random.nextInt(256);
                    yield "VR code at " + at;
                }
                case 1 -> {
                    int at = explicitVrOffset(file, dataSet, headerEnd, random) + 2;
                    file[at] = (byte) (file[at] + random.nextInt(17) - 8);
                    yield "length at " + at;
                }
                case 2 -> {
                    // a tag byte: an element becomes another, known or not
                    int at = dataSet + random.nextInt(headerEnd - dataSet);
                    file[at] ^= (byte) (1 << random.nextInt(8));
                    yield "bit flip at " + at;
                }
                case 3 -> {
                    StringBuilder what = new StringBuilder("bytes");
                    for (int n = 1 + random.nextInt(3); n > 0; n--) {
                        int at = dataSet + random.nextInt(headerEnd - dataSet);
                        file[at] = (byte) random.nextInt(256);
                        what.append(' ').append(at);
                    }
                    yield what.toString();
                }
                case 4 -> {
                    // the elements after a point shifted by a few bytes, as a lost or doubled byte on the wire
                    int at = dataSet + random.nextInt(headerEnd - dataSet);
                    int shift = 1 + random.nextInt(3);
                    System.arraycopy(file, at + shift, file, at, file.length - at - shift);
                    yield "shift by " + shift + " at " + at;
                }
                default -> {
                    yield "none";
                }
            };
        }

        /** An offset holding two capital letters in the data set (most are explicit VR codes). */
        private static int explicitVrOffset(byte[] file, int from, int to, Random random) {
            for (int tries = 0; tries < 10_000; tries++) {
                int at = from + 4 + random.nextInt(to - from - 8);
                if (Character.isUpperCase(file[at]) && Character.isUpperCase(file[at + 1])) {
                    return at;
                }
            }
            return from + 4;
        }
    }
}
