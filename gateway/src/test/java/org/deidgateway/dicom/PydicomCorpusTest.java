package org.deidgateway.dicom;

import org.deidgateway.deid.DeidentificationException;
import org.deidgateway.deid.DeidentifiedInstance;
import org.deidgateway.deid.Deidentifier;
import org.deidgateway.profile.Action;
import org.deidgateway.profile.ConfidentialityProfile;
import org.deidgateway.profile.TagOverride;
import org.deidgateway.testsupport.Engines;
import org.deidgateway.testsupport.PythonCheck;
import org.deidgateway.testsupport.TestData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every file pydicom ships for its own tests goes through the engine: each is de-identified, or
 * refused with a reason if it is broken on purpose (or is no image at all); pydicom reads every
 * output; dciodvfy finds no new error in the CT, MR, SR and RT outputs; and text in the ISO 2022
 * character sets survives.
 */
class PydicomCorpusTest {

    /** Files pydicom keeps broken on purpose, or that are not composite instances; and why we refuse them. */
    private static final Map<String, String> EXPECTED_REFUSALS = Map.ofEntries(
            Map.entry("MR_truncated.dcm", "truncated"),
            Map.entry("rtplan_truncated.dcm", "truncated"),
            Map.entry("SC_rgb_jpeg.dcm", "damaged"),
            Map.entry("no_meta.dcm", "not DICOM"),
            Map.entry("nested_priv_SQ.dcm", "no SOP Instance UID"),
            Map.entry("meta_missing_tsyntax.dcm", "truncated or damaged"),
            Map.entry("UN_sequence.dcm", "no SOP Instance UID"),
            Map.entry("empty_charset_LEI.dcm", "no SOP Instance UID"),
            Map.entry("no_meta_group_length.dcm", "no SOP Instance UID"),
            Map.entry("priv_SQ.dcm", "no SOP Instance UID"),
            Map.entry("chrSQEncoding.dcm", "no SOP"),
            Map.entry("chrSQEncoding1.dcm", "no SOP"),
            Map.entry("DICOMDIR-nooffset", "truncated"),
            Map.entry("zipMR.gz", "not DICOM"));

    @Test
    void everyPydicomFileIsDeidentifiedOrRefusedWithAReason(@TempDir Path out) throws Exception {
        Deidentifier engine = Engines.forProfile("pseudonymize", "corpus", 7);
        Map<String, String> refused = new TreeMap<>();
        List<String> validationPairs = new ArrayList<>();
        int deidentified = 0;
        for (Path file : corpus()) {
            String name = file.getFileName().toString();
            try {
                DicomObject object = DicomFiles.read(file);
                String modality = com.pixelmed.dicom.Attribute.getSingleStringValueOrEmptyString(object.dataset(),
                        com.pixelmed.dicom.TagFromName.Modality);
                DeidentifiedInstance result = engine.deidentify(object.dataset());
                // pydicom's variants of one image (RLE, big endian...) share their UIDs: name outputs apart.
                Path target = out.resolve(deidentified + "-" + result.sopInstanceUid() + ".dcm");
                DicomFiles.writeAtomically(object, target);
                deidentified++;
                if (Set.of("CT", "MR", "SR", "RTPLAN", "RTDOSE", "RTSTRUCT", "RTIMAGE").contains(modality)) {
                    validationPairs.add(file + "\t" + target);
                }
            } catch (DicomFileException | DeidentificationException e) {
                refused.put(name, e.getMessage());
            }
        }
        for (Map.Entry<String, String> r : refused.entrySet()) {
            String name = r.getKey();
            boolean notAnImageFile = name.startsWith("DICOMDIR") && r.getValue().contains("DICOMDIR")
                    || !name.endsWith(".dcm") && r.getValue().startsWith("not DICOM");
            assertTrue(notAnImageFile || EXPECTED_REFUSALS.containsKey(name), "unexpectedly refused " + name + ": " + r.getValue());
            if (EXPECTED_REFUSALS.containsKey(name)) {
                assertTrue(r.getValue().contains(EXPECTED_REFUSALS.get(name)), name + " refused for: " + r.getValue());
            }
        }
        assertTrue(deidentified >= 130, "de-identified " + deidentified);
        PythonCheck.run("read", out);
        Path pairs = out.resolveSibling(out.getFileName() + "-pairs.tsv");
        Files.writeString(pairs, String.join("\n", validationPairs) + "\n", StandardCharsets.UTF_8);
        assertTrue(validationPairs.size() >= 20, "CT/MR/SR/RT outputs validated: " + validationPairs.size());
        PythonCheck.run("dciodvfy", pairs);
    }

    @Test
    void iso2022JapaneseAndKoreanNamesComeOutIntact(@TempDir Path out) throws Exception {
        ConfidentialityProfile base = Engines.profile("pseudonymize");
        Map<Integer, TagOverride> keepNames = new HashMap<>(base.overrides());
        keepNames.put(0x00100010, new TagOverride(0x00100010, Action.KEEP, null, "test: keep the name to compare it"));
        Deidentifier engine = Engines.forProfile(new ConfidentialityProfile("keep-names", "", base.options(), keepNames),
                "charsets", 3);
        List<String> pairs = new ArrayList<>();
        Path charsetFiles = TestData.PYDICOM_FILES.getParent().resolve("charset_files");
        for (String name : List.of("chrJapMulti.dcm", "chrJapMultiExplicitIR6.dcm", "chrKoreanMulti.dcm", "chrH31.dcm",
                "chrH32.dcm", "chrI2.dcm", "chrX1.dcm", "chrX2.dcm", "chrGreek.dcm", "chrRuss.dcm", "chrArab.dcm",
                "chrHbrw.dcm", "chrFren.dcm", "chrFrenMulti.dcm", "chrJapMultiExplicitIR6.dcm")) {
            Path file = Files.exists(charsetFiles.resolve(name)) ? charsetFiles.resolve(name) : TestData.pydicom(name);
            DicomObject object = DicomFiles.read(file);
            DeidentifiedInstance result = engine.deidentify(object.dataset());
            Path target = out.resolve(name);
            DicomFiles.writeAtomically(object, target);
            assertFalse(result.sopInstanceUid().isEmpty());
            pairs.add(file + "\t" + target);
        }
        Path pairFile = out.resolve("pairs.tsv");
        Files.writeString(pairFile, String.join("\n", pairs) + "\n", StandardCharsets.UTF_8);
        PythonCheck.run("names", pairFile);
    }

    private static List<Path> corpus() throws Exception {
        try (Stream<Path> walk = Files.walk(TestData.PYDICOM_FILES.getParent())) {
            List<Path> files = walk.filter(Files::isRegularFile).sorted().toList();
            assertEquals(true, files.size() > 150, "pydicom's data folder is installed");
            return files;
        }
    }
}
