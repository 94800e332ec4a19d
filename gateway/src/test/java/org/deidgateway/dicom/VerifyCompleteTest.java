package org.deidgateway.dicom;

import org.deidgateway.testsupport.TestData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The receiver's check before Success: complete objects pass (fast or full path), cut ones never do. */
class VerifyCompleteTest {

    @TempDir
    Path dir;

    @Test
    void completeObjectsPassWithTheirIdentity() throws Exception {
        // CT_small has trailing padding after its pixel data; JPEG2000 is encapsulated (full read)
        for (String name : new String[] {"CT_small.dcm", "MR_small.dcm", "JPEG2000.dcm", "test-SR.dcm"}) {
            Path file = TestData.pydicom(name);
            DicomFiles.VerifiedObject verified = DicomFiles.verifyComplete(file);
            String instance = com.pixelmed.dicom.Attribute.getSingleStringValueOrEmptyString(
                    DicomFiles.read(file).dataset(), com.pixelmed.dicom.TagFromName.SOPInstanceUID).trim();
            assertEquals(instance, verified.sopInstanceUid(), name);
        }
    }

    @Test
    void everyCutThroughTheFileIsRefused() throws Exception {
        byte[] ct = Files.readAllBytes(TestData.pydicom("MR_small.dcm"));
        for (int cut = 200; cut < ct.length - 1; cut += 997) {
            Path file = Files.write(dir.resolve("cut-" + cut + ".dcm"), Arrays.copyOf(ct, cut));
            assertThrows(DicomFileException.class, () -> DicomFiles.verifyComplete(file), "cut at " + cut);
        }
    }

    /**
     * PixelMed returns as if complete when the stream ends inside the value of the last element it
     * reads: trailing padding, the pixel data of an image without padding, a report's last text.
     * Every cut in the last 300 bytes (short of a whole element) must be refused all the same.
     */
    @Test
    void cutsInsideTheLastElementsAreRefused() throws Exception {
        for (String name : new String[] {"CT_small.dcm", "MR_small.dcm", "test-SR.dcm", "JPEG2000.dcm", "rtplan.dcm"}) {
            byte[] bytes = Files.readAllBytes(TestData.pydicom(name));
            int refused = 0;
            int accepted = 0;
            for (int cut = bytes.length - 300; cut < bytes.length; cut++) {
                Path file = Files.write(dir.resolve(name + "-" + cut), Arrays.copyOf(bytes, cut));
                try {
                    DicomFiles.verifyComplete(file);
                    DicomFiles.read(file);
                    accepted++;
                } catch (DicomFileException e) {
                    refused++;
                }
            }
            // a cut exactly between two elements leaves a shorter, well-formed data set: at most a
            // handful of the 300 positions can be such a boundary
            assertTrue(accepted <= 12, name + ": " + accepted + " of 300 cuts accepted, " + refused + " refused");
        }
    }
}
