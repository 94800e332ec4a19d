package org.deidgateway.pixel;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.deidgateway.dicom.DicomFiles;
import org.deidgateway.dicom.DicomObject;
import org.deidgateway.testsupport.TestData;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every pixel layout the cleaner handles, on pydicom's real files: a rectangle blanked in every
 * frame and the object written; pydicom (an independent decoder) then finds every other sample as
 * it was and every blanked one black. The layouts it cannot clean are refused with their reason.
 */
class PixelFramesTest {

    @TempDir
    Path dir;

    private static final List<String> CLEANABLE = List.of("CT_small.dcm", "MR_small.dcm", "MR_small_implicit.dcm",
            "MR_small_bigendian.dcm", "MR_small_padded.dcm", "MR_small_RLE.dcm", "ExplVR_BigEnd.dcm", "SC_rgb_small_odd.dcm",
            "SC_rgb_rle.dcm", "SC_rgb_rle_16bit_2frame.dcm", "SC_rgb_rle_32bit_2frame.dcm", "liver_1frame.dcm",
            "liver_expb_1frame.dcm", "rtdose.dcm", "rtdose_expb.dcm", "rtdose_rle.dcm", "SC_rgb_jpeg_dcmtk.dcm",
            "SC_rgb_dcmtk_+eb+cy+np.dcm", "SC_rgb_jpeg_lossy_gdcm.dcm");

    private static final Map<String, String> REFUSED = Map.of(
            "693_J2KI.dcm", "JPEG 2000 pixel data cannot be cleaned here",
            "MR_small_jpeg_ls_lossless.dcm", "JPEG-LS pixel data cannot be cleaned here",
            "JPEG-lossy.dcm", "JPEG Extended (12-bit) pixel data cannot be cleaned here",
            "SC_ybr_full_422_uncompressed.dcm", "photometric interpretation 'YBR_FULL_422' is not supported",
            "GDCMJ2K_TextGBR.dcm", "JPEG 2000 pixel data cannot be cleaned here");

    /**
     * JPEG Lossless: gdcm's real file and dcmtk's encodings of other layouts (signed and unsigned
     * 16 bits, odd-sized RGB, two RGB frames of 16 bits) with each of the seven predictors. pydicom
     * has no lossless decoder here, so dcmdjpeg's decoding of the same input is what nothing outside
     * the rectangle may differ from.
     */
    private static final Map<String, List<String>> LOSSLESS = Map.of(
            "CT_small.dcm", List.of("+el", "+sv", "1"),
            "MR_small.dcm", List.of("+el", "+sv", "7"),
            "SC_rgb_small_odd.dcm", List.of("+e1"),
            "SC_rgb_rle_16bit_2frame.dcm", List.of("+el", "+sv", "4"),
            "SC_rgb_rle_2frame.dcm", List.of("+el", "+sv", "2"),
            "MR_small_bigendian.dcm", List.of("+el", "+sv", "3"),
            "MR_small_RLE.dcm", List.of("+el", "+sv", "5"),
            "MR_small_padded.dcm", List.of("+el", "+sv", "6"));

    @TestFactory
    Stream<DynamicTest> blankedRectangleAndNothingElseChanges() {
        return CLEANABLE.stream().map(name -> DynamicTest.dynamicTest(name, () -> roundTrip(name)));
    }

    @TestFactory
    Stream<DynamicTest> jpegLosslessIsDecodedBlankedAndWrittenNative() {
        Stream<DynamicTest> real = Stream.of(DynamicTest.dynamicTest("SC_rgb_jpeg_gdcm.dcm",
                () -> losslessRoundTrip(TestData.pydicom("SC_rgb_jpeg_gdcm.dcm"))));
        return Stream.concat(real, LOSSLESS.entrySet().stream().map(e -> DynamicTest.dynamicTest(
                e.getKey() + " " + String.join(" ", e.getValue()), () -> {
                    Path nativeInput = dir.resolve("native-" + e.getKey());
                    run("dcmdrle", TestData.pydicom(e.getKey()).toString(), nativeInput.toString());
                    Path encoded = dir.resolve("jpll-" + e.getKey());
                    List<String> command = new ArrayList<>(List.of("dcmcjpeg"));
                    command.addAll(e.getValue());
                    command.addAll(List.of(nativeInput.toString(), encoded.toString()));
                    run(command.toArray(String[]::new));
                    losslessRoundTrip(encoded);
                })));
    }

    private void losslessRoundTrip(Path encoded) throws Exception {
        String ts = DicomFiles.open(encoded).transferSyntaxUid();
        assertTrue(ts.equals(PixelLayout.JPEG_LOSSLESS) || ts.equals(PixelLayout.JPEG_LOSSLESS_SV1), ts);
        Path reference = dir.resolve("reference-" + encoded.getFileName());
        run("dcmdjpeg", encoded.toString(), reference.toString());
        DicomObject out = roundTrip(encoded, reference, 0);
        assertEquals(PixelLayout.EXPLICIT_LE, out.transferSyntaxUid());
        assertTrue(!"01".equals(com.pixelmed.dicom.Attribute.getSingleStringValueOrEmptyString(out.dataset(),
                com.pixelmed.dicom.TagFromName.LossyImageCompression)), "lossless stays lossless");
    }

    private static void run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(2, TimeUnit.MINUTES));
        assertEquals(0, p.exitValue(), String.join(" ", command) + ": " + output);
    }

    private void roundTrip(String name) throws Exception {
        Path input = TestData.pydicom(name);
        boolean jpeg = DicomFiles.open(input).transferSyntaxUid().equals(PixelLayout.JPEG_BASELINE);
        DicomObject out = roundTrip(input, input, jpeg ? 3 : 0);
        if (!jpeg) {
            assertEquals(DicomFiles.open(input).transferSyntaxUid(), out.transferSyntaxUid());
        }
    }

    /** Blanks a rectangle in every frame of INPUT, writes it, and compares with REFERENCE by pydicom. */
    private DicomObject roundTrip(Path input, Path reference, int tolerance) throws Exception {
        String name = input.getFileName().toString();
        DicomObject object = DicomFiles.open(input);
        Rect rect;
        List<List<int[]>> masks = new ArrayList<>();
        DicomObject out;
        try (PixelFrames frames = PixelFrames.open(object);
             MaskedPixelWriter writer = MaskedPixelWriter.create(object, frames.layout(), dir.resolve(name + ".work"))) {
            PixelLayout l = frames.layout();
            rect = new Rect(l.columns() / 4, l.rows() / 4, Math.max(1, l.columns() / 3), Math.max(1, l.rows() / 3));
            for (int i = 0; i < frames.frameCount(); i++) {
                var frame = frames.frame(i);
                frame.fill(rect, frames.blackFill());
                writer.write(frame);
                masks.add(List.of(new int[] {rect.x(), rect.y(), rect.width(), rect.height()}));
            }
            out = writer.finish();
        }
        Path written = dir.resolve(name);
        DicomFiles.writeAtomically(out, written);
        Path masksFile = dir.resolve(name + ".json");
        new ObjectMapper().writeValue(masksFile.toFile(), masks);
        Process p = new ProcessBuilder("/usr/bin/python3", TestData.repoRoot().resolve("gateway/src/test/python/pixel_diff.py")
                .toString(), reference.toString(), written.toString(), masksFile.toString(), String.valueOf(tolerance))
                .redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        String result = output.substring(output.lastIndexOf('\n') + 1);   // pydicom may warn first
        assertTrue(p.waitFor(2, TimeUnit.MINUTES));
        assertTrue(result.startsWith("outside=0 inside_unmasked=0 "), name + ": " + result);
        return DicomFiles.open(written);
    }

    @org.junit.jupiter.api.Test
    void pixelDataShorterThanTheImageNeedsIsRefused() throws Exception {
        DicomObject object = DicomFiles.open(TestData.pydicom("CT_small.dcm"));
        com.pixelmed.dicom.UnsignedShortAttribute rows = new com.pixelmed.dicom.UnsignedShortAttribute(
                com.pixelmed.dicom.TagFromName.Rows);
        rows.addValue(256);
        object.dataset().put(rows);
        PixelDataException refused = assertThrows(PixelDataException.class, () -> PixelFrames.open(object).close());
        assertEquals("pixel data shorter than the image needs (32768 of 65536 bytes)", refused.getMessage());
    }

    @TestFactory
    Stream<DynamicTest> layoutsThatCannotBeCleanedAreRefusedWithTheReason() {
        return REFUSED.entrySet().stream().map(e -> DynamicTest.dynamicTest(e.getKey(), () -> {
            DicomObject object = DicomFiles.open(TestData.pydicom(e.getKey()));
            PixelDataException refused = assertThrows(PixelDataException.class, () -> PixelFrames.open(object).close());
            assertTrue(refused.getMessage().startsWith(e.getValue()), refused.getMessage());
        }));
    }

    /** The codec allocates what a frame header claims: a forged one is refused before it is asked. */
    @org.junit.jupiter.api.Test
    void aJpegLosslessFrameThatDoesNotFitTheImageIsRefusedBeforeDecoding() throws Exception {
        PixelLayout layout = new PixelLayout(64, 64, 1, 16, 16, 15, false, "MONOCHROME2", 0, 1, PixelLayout.JPEG_LOSSLESS_SV1);
        assertEquals("a JPEG Lossless frame of 65535x65535 in an image of 64x64", refusal(sof(0xC3, 16, 65535, 65535, 1), layout));
        assertEquals("a frame in a JPEG Lossless transfer syntax is not lossless (frame header FFC0)",
                refusal(sof(0xC0, 8, 64, 64, 1), layout));
        assertEquals("a JPEG Lossless frame with 3 components for 1 samples per pixel", refusal(sof(0xC3, 16, 64, 64, 3), layout));
        PixelLayout eightBits = new PixelLayout(64, 64, 1, 8, 8, 7, false, "MONOCHROME2", 0, 1, PixelLayout.JPEG_LOSSLESS_SV1);
        assertEquals("a JPEG Lossless frame of 12 bits in an image of Bits Allocated 8", refusal(sof(0xC3, 12, 64, 64, 1), eightBits));
        assertEquals("a JPEG Lossless frame does not start with a JPEG start-of-image marker",
                refusal(new byte[] {0, 0, 0, 0, 0, 0}, layout));
        byte[] cut = java.util.Arrays.copyOf(sof(0xC3, 16, 64, 64, 1), 12);
        assertEquals("a JPEG Lossless frame does not end with an end-of-image marker (cut short?)", refusal(cut, layout));
        byte[] overlong = sof(0xC3, 16, 64, 64, 1);
        overlong[5] = 0x40;
        assertEquals("a JPEG Lossless frame has a marker segment longer than the frame", refusal(overlong, layout));
        // the codec would give 64x64 zeros for this without a word
        assertEquals("a JPEG Lossless frame has no scan", refusal(sof(0xC3, 16, 64, 64, 1), layout));
    }

    private static String refusal(byte[] data, PixelLayout layout) {
        return assertThrows(PixelDataException.class, () -> JpegLosslessFrame.decode(data, layout)).getMessage();
    }

    /** SOI and a frame header of the given marker, precision, size and components (sampling 1x1). */
    private static byte[] sof(int marker, int precision, int columns, int rows, int components) {
        java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
        b.writeBytes(new byte[] {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, (byte) marker});
        int length = 8 + 3 * components;
        b.writeBytes(new byte[] {(byte) (length >> 8), (byte) length, (byte) precision, (byte) (rows >> 8), (byte) rows,
                (byte) (columns >> 8), (byte) columns, (byte) components});
        for (int c = 0; c < components; c++) {
            b.writeBytes(new byte[] {(byte) (c + 1), 0x11, 0});
        }
        b.writeBytes(new byte[] {(byte) 0xFF, (byte) 0xD9});
        return b.toByteArray();
    }
}
