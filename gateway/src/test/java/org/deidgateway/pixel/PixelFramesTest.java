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
            "SC_rgb_jpeg_gdcm.dcm", "JPEG Lossless pixel data cannot be cleaned here",
            "SC_ybr_full_422_uncompressed.dcm", "photometric interpretation 'YBR_FULL_422' is not supported",
            "GDCMJ2K_TextGBR.dcm", "JPEG 2000 pixel data cannot be cleaned here");

    @TestFactory
    Stream<DynamicTest> blankedRectangleAndNothingElseChanges() {
        return CLEANABLE.stream().map(name -> DynamicTest.dynamicTest(name, () -> roundTrip(name)));
    }

    private void roundTrip(String name) throws Exception {
        Path input = TestData.pydicom(name);
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
        boolean jpeg = object.transferSyntaxUid().equals(PixelLayout.JPEG_BASELINE);
        Process p = new ProcessBuilder("/usr/bin/python3", TestData.repoRoot().resolve("gateway/src/test/python/pixel_diff.py")
                .toString(), input.toString(), written.toString(), masksFile.toString(), jpeg ? "3" : "0")
                .redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        String result = output.substring(output.lastIndexOf('\n') + 1);   // pydicom may warn first
        assertTrue(p.waitFor(2, TimeUnit.MINUTES));
        assertTrue(result.startsWith("outside=0 inside_unmasked=0 "), name + ": " + result);
        if (!jpeg) {
            assertEquals(object.transferSyntaxUid(), DicomFiles.open(written).transferSyntaxUid());
        }
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
}
