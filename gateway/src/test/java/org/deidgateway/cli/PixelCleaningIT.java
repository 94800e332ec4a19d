package org.deidgateway.cli;

import org.deidgateway.testsupport.TestDatabases;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.pixelmed.dicom.Attribute;
import com.pixelmed.dicom.AttributeList;
import com.pixelmed.dicom.SequenceAttribute;
import com.pixelmed.dicom.TagFromName;
import org.deidgateway.dicom.DicomFiles;
import org.deidgateway.dicom.DicomObject;
import org.deidgateway.pixel.OcrWord;
import org.deidgateway.pixel.PixelFrames;
import org.deidgateway.pixel.TesseractOcr;
import org.deidgateway.testsupport.TestData;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.deidgateway.cli.ItSupport.countFiles;
import static org.deidgateway.cli.ItSupport.dicomFiles;
import static org.deidgateway.cli.ItSupport.freePort;
import static org.deidgateway.cli.ItSupport.readQuietly;
import static org.deidgateway.cli.ItSupport.waitFor;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Clean Pixel Data end to end: dcmtk's storescu sends ultrasound studies with a planted identity
 * burned in (native, RLE, JPEG, multi-frame), a Secondary Capture whose text no rule covers, and
 * pydicom's real Secondary Capture files to `deid serve`. Ultrasound leaves masked, with Burned In
 * Annotation NO and code 113101, and OCR reads none of the planted strings in what left; the
 * unknown layout stays in quarantine with its reason and a picture for the curator; every real
 * file is forwarded or held with a reason, none lost.
 */
class PixelCleaningIT {

    private static final Map<String, String> ENV = Map.of("DEID_PASSPHRASE", "gateway-passphrase",
            "DEID_CURATOR_PASSPHRASE", "curator-passphrase");
    private static final List<String> REAL_SC = List.of("SC_rgb_rle.dcm", "SC_jpeg_no_color_transform.dcm", "SC_rgb_jpeg_dcmtk.dcm",
            "SC_rgb_dcmtk_+eb+cy+np.dcm", "SC_rgb_small_odd.dcm", "SC_rgb_rle_16bit_2frame.dcm", "SC_rgb_jpeg_gdcm.dcm",
            "SC_rgb_gdcm_KY.dcm", "JPEG2000.dcm");

    @TempDir
    Path dir;
    private final List<Process> started = new ArrayList<>();

    @AfterEach
    void stopAll() {
        started.forEach(Process::destroyForcibly);
    }

    @Test
    void ultrasoundLeavesMaskedUnknownLayoutsStayAndRealFilesAreEachForwardedOrHeld() throws Exception {
        Path home = dir.resolve("home");
        Path out = dir.resolve("out");
        int port = freePort();
        assertEquals(0, DeidProcess.run(dir, ENV, "init", "--home", home.toString(), "--project", "breast", "--curator", "Ana",
                "--curator-out", dir.resolve("ana.p12").toString()).exit());
        assertEquals(0, DeidProcess.run(dir, ENV, "destination", "add", "--home", home.toString(), "--name", "out",
                "--folder", out.toString()).exit());
        assertEquals(0, DeidProcess.run(dir, ENV, "config", "set", "--home", home.toString(), "dicom.port",
                Integer.toString(port)).exit());
        assertEquals(0, DeidProcess.run(dir, ENV, "config", "set", "--home", home.toString(), "dicom.bind-address",
                "127.0.0.1").exit());
        DeidProcess.Result badWorkers = DeidProcess.run(dir, ENV, "config", "set", "--home", home.toString(), "pixels.workers", "0");
        assertTrue(badWorkers.exit() != 0 && badWorkers.err().contains("pixels.workers: 0 must be 1 to 16"), badWorkers.err());

        Path generated = dir.resolve("generated");
        run("/usr/bin/python3", TestData.repoRoot().resolve("gateway/src/test/python/burned_in.py").toString(),
                generated.toString(), "--count", "1", "--seed", "23", "--kinds", "us,us-rle,us-jpeg,us-jpll,mf,sc-norule");
        List<String> planted = new ArrayList<>();
        List<String> files = new ArrayList<>();
        try (Stream<Path> list = Files.list(generated)) {
            for (Path f : list.sorted().toList()) {
                if (f.toString().endsWith(".json")) {
                    new ObjectMapper().readTree(f.toFile()).get("strings")
                            .forEach(s -> planted.add(s.asText().toUpperCase(Locale.ROOT)));
                } else {
                    files.add(f.toString());
                }
            }
        }
        for (String name : REAL_SC) {
            files.add(TestData.pydicom(name).toString());
        }

        Process serve = serve(home);
        // native objects from dcmtk's storescu, as a PACS sends them; compressed ones in their own transfer
        // syntax by the project's SCU (storescu offers uncompressed first, which the gateway takes, and then
        // cannot convert JPEG)
        int success = 0;
        List<String> nativeFiles = new ArrayList<>();
        for (String file : files) {
            org.deidgateway.forward.Part10Header header = org.deidgateway.forward.Part10Header.read(Path.of(file));
            if (header.transferSyntaxUid().startsWith("1.2.840.10008.1.2.4") || header.transferSyntaxUid().equals("1.2.840.10008.1.2.5")) {
                try (org.deidgateway.forward.DicomStoreClient client = new org.deidgateway.forward.DicomStoreClient(
                        org.deidgateway.forward.DicomChannel.parse("DEIDGW@127.0.0.1:" + port, "MODALITY"))) {
                    client.expect(header.sopClassUid(), header.transferSyntaxUid());
                    assertEquals(org.deidgateway.forward.StoreStatus.SUCCESS, client.store(Path.of(file)).code(), file);
                }
                success++;
            } else {
                nativeFiles.add(file);
            }
        }
        Path log = storescu(port, nativeFiles);
        waitFor(() -> !storescuProcess.isAlive(), 60, "storescu done");
        assertEquals(nativeFiles.size(), count(readQuietly(log), "Received Store Response (Success)"), readQuietly(log));
        success += nativeFiles.size();
        int sent = success;
        try {
            // pydicom's SC files share SOP Instance UIDs (one image, several encodings): the folder holds fewer
            // files than were forwarded, so the queue's rows tell
            waitFor(() -> finished(home) == sent, 240, "every object forwarded or quarantined");
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + ": " + countFiles(out) + " forwarded, "
                    + countFiles(home.resolve("quarantine")) + " quarantined of " + sent + "; the gateway said:\n"
                    + readQuietly(serveErr), e);
        }

        // what left: the five ultrasound objects masked and marked, no planted string readable or in the header
        TesseractOcr ocr = new TesseractOcr("tesseract", Duration.ofSeconds(60));
        int ultrasound = 0;
        for (Path file : dicomFiles(out)) {
            AttributeList d = DicomFiles.open(file).dataset();
            String modality = Attribute.getSingleStringValueOrEmptyString(d, TagFromName.Modality);
            String bytes = new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1).toUpperCase(Locale.ROOT);
            for (String s : planted) {
                assertFalse(bytes.contains(s), s + " in the bytes of " + file);
            }
            if (!modality.equals("US")) {
                continue;
            }
            ultrasound++;
            assertEquals("NO", Attribute.getSingleStringValueOrEmptyString(d, TagFromName.BurnedInAnnotation));
            SequenceAttribute codes = (SequenceAttribute) d.get(TagFromName.DeidentificationMethodCodeSequence);
            List<String> values = new ArrayList<>();
            for (int i = 0; i < codes.getNumberOfItems(); i++) {
                values.add(Attribute.getSingleStringValueOrEmptyString(codes.getItem(i).getAttributeList(), TagFromName.CodeValue));
            }
            assertTrue(values.contains("113101"), values.toString());
            String read = ocrText(ocr, file);
            for (String s : planted) {
                assertFalse(read.contains(s), s + " still readable in " + file);
            }
        }
        assertEquals(5, ultrasound, "the five ultrasound objects forwarded");

        // what stayed: the unknown layout, and each real file that could not be cleaned, with a reason
        DeidProcess.Result held = DeidProcess.run(dir, ENV, "quarantine", "list", "--home", home.toString());
        assertTrue(held.out().contains("no pixel-mask rule describes this layout"), held.out());
        for (String line : held.out().lines().filter(l -> l.startsWith("        ")).toList()) {
            assertFalse(line.isBlank(), "every held object has its reason");
            for (String s : planted) {
                assertFalse(line.toUpperCase(Locale.ROOT).contains(s), "a reason names " + s);
            }
        }
        List<String> lines = held.out().lines().toList();
        String id = null;
        for (int i = 1; i < lines.size(); i++) {
            if (lines.get(i).contains("no pixel-mask rule describes this layout")) {
                id = lines.get(i - 1).substring(1).split(" ")[0];
            }
        }
        assertNotNull(id, held.out());
        Path png = dir.resolve("held.png");
        DeidProcess.Result shown = DeidProcess.run(dir, ENV, "quarantine", "show", "--home", home.toString(), id, "--png",
                png.toString());
        assertEquals(0, shown.exit(), shown.err());
        assertNotNull(ImageIO.read(png.toFile()), "a picture for the curator");
        assertTrue(shown.out().contains("identifying or date-like words"), shown.out());
        String metrics = DeidProcess.run(dir, ENV, "audit", "show", "--home", home.toString()).out();
        assertTrue(metrics.contains("quarantine-viewed"), metrics);

        DeidProcess.Result rules = DeidProcess.run(dir, ENV, "pixel-rules", "test", "--home", home.toString(), files.get(0));
        assertEquals(0, rules.exit(), rules.err());
        assertTrue(rules.out().contains("applies   ultrasound-banner"), rules.out());
        serve.destroy();
        assertTrue(serve.waitFor(30, TimeUnit.SECONDS));
    }

    /** Objects processed or quarantined, and none waiting at any stage. */
    private static int finished(Path home) throws Exception {
        try (org.deidgateway.store.Database db = TestDatabases.open(home.resolve("deid.db"))) {
            return db.read(c -> {
                try (java.sql.ResultSet rs = c.createStatement().executeQuery(
                        "SELECT sum(CASE WHEN state IN ('processed', 'quarantined') THEN 1 ELSE 0 END),"
                                + " sum(CASE WHEN state IN ('received', 'pixels', 'cleaned') THEN 1 ELSE 0 END) FROM received")) {
                    return rs.next() && rs.getInt(2) == 0 ? rs.getInt(1) : -1;
                }
            });
        }
    }

    private static String ocrText(TesseractOcr ocr, Path file) throws Exception {
        DicomObject object = DicomFiles.open(file);
        StringBuilder all = new StringBuilder();
        try (PixelFrames frames = PixelFrames.open(object)) {
            for (int i = 0; i < frames.frameCount(); i++) {
                for (OcrWord w : ocr.read(frames.renderGray8(frames.frame(i)))) {
                    all.append(w.text()).append(' ');
                }
            }
        }
        return all.toString().toUpperCase(Locale.ROOT);
    }

    private Process serve(Path home) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(TestData.repoRoot().resolve("deid").toString(), "serve", "--home", home.toString());
        pb.environment().keySet().removeIf(TestDatabases::clearedForChild);
        pb.environment().putAll(ENV);
        Path stdout = Files.createTempFile(dir, "serve", ".out");
        Path stderr = Files.createTempFile(dir, "serve", ".err");
        serveErr = stderr;
        pb.redirectOutput(stdout.toFile()).redirectError(stderr.toFile()).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        Process p = pb.start();
        started.add(p);
        waitFor(() -> readQuietly(stdout).contains("receiving as"), 60, "the gateway listening");
        return p;
    }

    private Process storescuProcess;
    private Path serveErr;

    private Path storescu(int port, List<String> files) throws Exception {
        List<String> command = new ArrayList<>(List.of("storescu", "-v", "-aec", "DEIDGW", "-to", "20", "-ta", "20", "-td", "60",
                "127.0.0.1", Integer.toString(port)));
        command.addAll(files);
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().put("TCP_NODELAY", "1");
        Path log = Files.createTempFile(dir, "storescu", ".log");
        pb.redirectErrorStream(true).redirectOutput(log.toFile());
        storescuProcess = pb.start();
        started.add(storescuProcess);
        return log;
    }

    private static void run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(5, TimeUnit.MINUTES) && p.exitValue() == 0, out);
    }

    private static int count(String text, String what) {
        int n = 0;
        for (int i = text.indexOf(what); i >= 0; i = text.indexOf(what, i + 1)) {
            n++;
        }
        return n;
    }
}
