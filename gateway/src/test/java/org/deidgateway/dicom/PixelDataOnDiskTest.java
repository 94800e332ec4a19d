package org.deidgateway.dicom;

import org.deidgateway.testsupport.TestData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Pixel data left in the file ({@link DicomFiles#open}) must give the very file a whole read gives:
 * on every file of pydicom's corpus both ways are written and compared byte for byte, and the
 * files whose pixel data were stepped over are counted, so the fast path cannot silently vanish.
 */
class PixelDataOnDiskTest {

    @TempDir
    Path dir;

    @Test
    void openWritesTheSameBytesAsAWholeReadForEveryCorpusFile() throws Exception {
        List<String> streamed = new ArrayList<>();
        int compared = 0;
        for (Path file : corpus()) {
            DicomObject whole;
            try {
                whole = DicomFiles.read(file);
            } catch (DicomFileException e) {
                // a file refused whole must be refused when opened too
                assertThrows(DicomFileException.class, () -> DicomFiles.open(file), file.toString());
                continue;
            }
            DicomObject opened = DicomFiles.open(file);
            Path a = dir.resolve("whole-" + compared + ".dcm");
            Path b = dir.resolve("opened-" + compared + ".dcm");
            try {
                DicomFiles.writeAtomically(whole, a);
            } catch (DicomFileException e) {
                // no SOP Class UID, say: not writable either way
                assertThrows(DicomFileException.class, () -> DicomFiles.writeAtomically(opened, b), file.toString());
                continue;
            }
            DicomFiles.writeAtomically(opened, b);
            byte[] wholeBytes = Files.readAllBytes(a);
            byte[] openedBytes = Files.readAllBytes(b);
            if (!Arrays.equals(wholeBytes, openedBytes)) {
                // PixelMed rewrites the basic offset table of compressed data (an empty one for a
                // zero): the copy keeps the sender's items, which must then be the only difference
                assertTrue(opened.pixels() != null && opened.pixels().encapsulated(), file + " differs");
                PixelDataOnDisk wholePixels = DicomFiles.open(a).pixels();
                PixelDataOnDisk copiedPixels = DicomFiles.open(b).pixels();
                assertArrayEquals(slice(wholeBytes, 0, wholePixels.valueOffset()),
                        slice(openedBytes, 0, copiedPixels.valueOffset()), file + ": header");
                assertArrayEquals(slice(Files.readAllBytes(file), opened.pixels().valueOffset(), opened.pixels().valueLength()),
                        slice(openedBytes, copiedPixels.valueOffset(), copiedPixels.valueLength()), file + ": pixel items");
                long wholeEnd = wholePixels.valueOffset() + wholePixels.valueLength();
                long copiedEnd = copiedPixels.valueOffset() + copiedPixels.valueLength();
                assertArrayEquals(slice(wholeBytes, wholeEnd, wholeBytes.length - wholeEnd),
                        slice(openedBytes, copiedEnd, openedBytes.length - copiedEnd), file + ": after the pixel data");
            }
            if (opened.pixels() != null) {
                streamed.add(file.getFileName().toString());
                assertNull(opened.dataset().get(com.pixelmed.dicom.TagFromName.PixelData), file.toString());
            }
            compared++;
        }
        assertTrue(compared > 100, "compared " + compared);
        // native, big endian, implicit VR, encapsulated (JPEG 2000, RLE) and trailing padding (CT_small)
        for (String name : new String[] {"CT_small.dcm", "MR_small.dcm", "MR_small_expb.dcm",
                "MR_small_implicit.dcm", "JPEG2000.dcm", "MR_small_RLE.dcm", "rtdose.dcm"}) {
            assertTrue(streamed.contains(name), name + " stepped over: " + streamed);
        }
    }

    @Test
    void cutsAnywhereInThePixelDataAreRefused() throws Exception {
        for (String name : new String[] {"CT_small.dcm", "JPEG2000.dcm", "rtdose.dcm", "SC_rgb_rle_2frame.dcm"}) {
            byte[] bytes = Files.readAllBytes(TestData.pydicom(name));
            PixelDataOnDisk pixels = DicomFiles.open(TestData.pydicom(name)).pixels();
            assertNotNull(pixels, name);
            long end = pixels.valueOffset() + pixels.valueLength();
            for (long cut = pixels.valueOffset() - 6; cut < end; cut += Math.max(1, (end - pixels.valueOffset()) / 37)) {
                Path file = Files.write(dir.resolve(name + "-" + cut), Arrays.copyOf(bytes, (int) cut));
                assertThrows(DicomFileException.class, () -> DicomFiles.open(file), name + " cut at " + cut);
                assertThrows(DicomFileException.class, () -> DicomFiles.verifyComplete(file), name + " cut at " + cut);
            }
        }
    }

    @Test
    void theHeaderAloneIsInMemory() throws Exception {
        Path file = TestData.pydicom("rtdose.dcm");
        DicomObject opened = DicomFiles.open(file);
        long frames = com.pixelmed.dicom.Attribute.getSingleIntegerValueOrDefault(opened.dataset(),
                com.pixelmed.dicom.TagFromName.NumberOfFrames, 1);
        assertTrue(frames > 1, "a multi-frame object");
        assertEquals(Files.size(file), opened.pixels().valueOffset() + opened.pixels().valueLength(), "pixel data end the file");
    }

    private static byte[] slice(byte[] bytes, long from, long length) {
        return Arrays.copyOfRange(bytes, (int) from, (int) (from + length));
    }

    private static List<Path> corpus() throws IOException {
        try (Stream<Path> walk = Files.walk(TestData.PYDICOM_FILES.getParent())) {
            return walk.filter(Files::isRegularFile).sorted().toList();
        }
    }
}
