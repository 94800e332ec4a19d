package org.deidgateway.pixel;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.pixelmed.dicom.Attribute;
import com.pixelmed.dicom.AttributeList;
import com.pixelmed.dicom.SequenceAttribute;
import com.pixelmed.dicom.TagFromName;
import org.deidgateway.dicom.DicomFiles;
import org.deidgateway.dicom.DicomObject;
import org.deidgateway.testsupport.TestData;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Clean Pixel Data on generated images with a planted identity (burned_in.py: names, IDs and dates
 * in several fonts and sizes, on ultrasound-like screens native, RLE and JPEG, multi-frame, a
 * scanned-document-like Secondary Capture): OCR reads the planted strings in the original, none in
 * the cleaned copy, and pydicom finds every pixel outside the blanked regions unchanged.
 */
class PixelCleanerTest {

    @TempDir
    static Path dir;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TesseractOcr OCR = new TesseractOcr("tesseract", Duration.ofSeconds(60));
    private static PixelMaskRules rules;

    @BeforeAll
    static void generate() throws Exception {
        // the shipped rules, and one a site would add for its document scanner: its header band
        List<MaskRule> all = new ArrayList<>(PixelMaskRules.fromText(Files.readString(TestData.repoRoot()
                .resolve("profiles/pixel-masks.yaml")), "pixel-masks.yaml").rules());
        all.addAll(PixelMaskRules.fromText("""
                rules:
                  - name: docuscan-header
                    source: test site's scanner
                    match: {manufacturer: DocuScan, rows: 400, columns: 560}
                    rectangles: [[0, 0, "100%", 30]]
                """, "site pixel-masks.yaml").rules());
        rules = PixelMaskRules.of(all);
        run("/usr/bin/python3", TestData.repoRoot().resolve("gateway/src/test/python/burned_in.py").toString(),
                dir.resolve("in").toString(), "--count", "2", "--seed", "11",
                "--kinds", "us,us-rle,us-jpeg,us-jpll,mf,sc,sc-norule,ct-clean");
        String missing = OCR.unavailableReason();
        if (missing != null) {
            throw new AssertionError(missing + " (./test.sh installs it)");
        }
    }

    private static String run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(5, TimeUnit.MINUTES) || p.exitValue() != 0) {
            throw new AssertionError(String.join(" ", command) + " failed: " + out);
        }
        return out.trim();
    }

    private static List<Path> generated(String prefix) throws Exception {
        try (Stream<Path> files = Files.list(dir.resolve("in"))) {
            return files.filter(f -> f.getFileName().toString().matches(java.util.regex.Pattern.quote(prefix) + "-\\d+\\.dcm"))
                    .sorted().toList();
        }
    }

    /** What OCR reads in every frame of a file, in one string, upper case. */
    private static String ocrText(Path file) throws Exception {
        DicomObject object = DicomFiles.open(file);
        StringBuilder all = new StringBuilder();
        try (PixelFrames frames = PixelFrames.open(object)) {
            for (int i = 0; i < frames.frameCount(); i++) {
                for (OcrWord w : OCR.read(frames.renderGray8(frames.frame(i)))) {
                    all.append(w.text()).append(' ');
                }
            }
        }
        return all.toString().toUpperCase(Locale.ROOT);
    }

    @TestFactory
    Stream<DynamicTest> plantedIdentityIsUnreadableAfterCleaningAndOtherPixelsAreUnchanged() throws Exception {
        List<DynamicTest> tests = new ArrayList<>();
        for (String kind : List.of("us", "us-rle", "us-jpeg", "us-jpll", "mf", "sc")) {
            for (Path file : generated(kind)) {
                tests.add(DynamicTest.dynamicTest(file.getFileName().toString(), () -> cleanAndCheck(file, kind)));
            }
        }
        return tests.stream();
    }

    private void cleanAndCheck(Path file, String kind) throws Exception {
        JsonNode sidecar = JSON.readTree(file.resolveSibling(file.getFileName().toString().replace(".dcm", ".json")).toFile());
        List<String> strings = new ArrayList<>();
        sidecar.get("strings").forEach(s -> strings.add(s.asText().toUpperCase(Locale.ROOT)));
        String before = ocrText(file);
        long readBefore = strings.stream().filter(before::contains).count();
        assertTrue(readBefore >= 2, "OCR reads the planted identity in the original (" + readBefore + " of " + strings + ")");

        DicomObject object = DicomFiles.open(file);
        AttributeList dataset = object.dataset();
        String sopClass = Attribute.getSingleStringValueOrEmptyString(dataset, TagFromName.SOPClassUID);
        PixelCleaner cleaner = new PixelCleaner(rules, OCR, 300);
        assertTrue(cleaner.needsCleaning(dataset, sopClass, false));
        Path work = dir.resolve(file.getFileName() + ".work");
        PixelCleaner.Outcome outcome = cleaner.clean(object, IdentifyingText.of(dataset), work);
        PixelCleaner.Cleaned cleaned = assertInstanceOf(PixelCleaner.Cleaned.class, outcome,
                () -> "cleaned, not held: " + outcome);
        Path out = dir.resolve("out").resolve(file.getFileName());
        PixelCleaner.recordCleaned(cleaned.object().dataset());
        DicomFiles.writeAtomically(cleaned.object(), out);

        String after = ocrText(out);
        for (String s : strings) {
            assertFalse(after.contains(s), s + " is still readable by OCR after cleaning");
        }
        Path masks = dir.resolve(file.getFileName() + ".masks.json");
        List<List<int[]>> boxes = new ArrayList<>();
        for (List<Rect> frame : cleaned.masked()) {
            boxes.add(frame.stream().map(r -> new int[] {r.x(), r.y(), r.width(), r.height()}).toList());
        }
        JSON.writeValue(masks.toFile(), boxes);
        // JPEG: pydicom's libjpeg and the JDK's decoder round differently, by a level or two. JPEG Lossless:
        // pydicom has no decoder here, so dcmtk's decoding of the original is the reference
        Path reference = file;
        if (kind.equals("us-jpll")) {
            reference = dir.resolve(file.getFileName() + ".reference");
            run("dcmdjpeg", file.toString(), reference.toString());
        }
        String diff = run("/usr/bin/python3", TestData.repoRoot().resolve("gateway/src/test/python/pixel_diff.py").toString(),
                reference.toString(), out.toString(), masks.toString(), kind.equals("us-jpeg") ? "3" : "0");
        assertTrue(diff.startsWith("outside=0 inside_unmasked=0 "), file.getFileName() + ": " + diff);

        AttributeList written = DicomFiles.open(out).dataset();
        assertEquals("NO", Attribute.getSingleStringValueOrEmptyString(written, TagFromName.BurnedInAnnotation));
        SequenceAttribute codes = (SequenceAttribute) written.get(TagFromName.DeidentificationMethodCodeSequence);
        assertEquals("113101", Attribute.getSingleStringValueOrEmptyString(codes.getItem(0).getAttributeList(),
                TagFromName.CodeValue));
        String ts = DicomFiles.open(out).transferSyntaxUid();
        assertEquals(kind.startsWith("us-jp") ? PixelLayout.EXPLICIT_LE : object.transferSyntaxUid(), ts);
        String lossy = Attribute.getSingleStringValueOrEmptyString(written, TagFromName.LossyImageCompression);
        assertEquals(kind.equals("us-jpeg"), lossy.equals("01"), "lossy compression recorded only where it happened");
        String dcmdump = run("dcmdump", "+E", out.toString());
        assertFalse(dcmdump.contains("E: "), dcmdump);
    }

    @Test
    void textNoRuleCoversAndOcrCannotJudgeStaysInQuarantine() throws Exception {
        for (Path file : generated("sc-norule")) {
            DicomObject object = DicomFiles.open(file);
            PixelCleaner.Outcome outcome = new PixelCleaner(rules, OCR, 300).clean(object, IdentifyingText.of(object.dataset()),
                    dir.resolve("norule.work"));
            PixelCleaner.Held held = assertInstanceOf(PixelCleaner.Held.class, outcome);
            assertTrue(held.reason().startsWith("no pixel-mask rule describes this layout"), held.reason());
            JsonNode sidecar = JSON.readTree(file.resolveSibling(file.getFileName().toString().replace(".dcm", ".json")).toFile());
            sidecar.get("strings").forEach(s -> assertFalse(held.reason().toUpperCase(Locale.ROOT)
                    .contains(s.asText().toUpperCase(Locale.ROOT)), "the reason names positions, never the words"));
        }
    }

    @Test
    void aCtWithoutBurnedInTextNeedsNoCleaning() throws Exception {
        for (Path file : generated("ct-clean")) {
            AttributeList dataset = DicomFiles.open(file).dataset();
            assertFalse(new PixelCleaner(rules, OCR, 300).needsCleaning(dataset,
                    Attribute.getSingleStringValueOrEmptyString(dataset, TagFromName.SOPClassUID), false));
        }
    }

    @Test
    void missingOcrIsAQuarantineReason() throws Exception {
        Path file = generated("us").get(0);
        DicomObject object = DicomFiles.open(file);
        PixelCleaner.Outcome outcome = new PixelCleaner(rules, new TesseractOcr("/nonexistent/tesseract", Duration.ofSeconds(5)),
                300).clean(object, IdentifyingText.of(object.dataset()), dir.resolve("noocr.work"));
        PixelCleaner.Held held = assertInstanceOf(PixelCleaner.Held.class, outcome);
        assertTrue(held.reason().startsWith("OCR is not installed"), held.reason());
    }
}
