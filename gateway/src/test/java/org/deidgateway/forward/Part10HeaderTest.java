package org.deidgateway.forward;

import org.deidgateway.testsupport.TestData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Reading the file meta of real files, and refusing what cannot be sent as it is. */
class Part10HeaderTest {

    @TempDir
    Path temp;

    @Test
    void readsTheMetaOfAnExplicitLittleEndianFile() throws Exception {
        Path file = TestData.pydicom("CT_small.dcm");
        Part10Header h = Part10Header.read(file);
        assertEquals("1.2.840.10008.5.1.4.1.1.2", h.sopClassUid());
        assertEquals("1.3.6.1.4.1.5962.1.1.1.1.1.20040119072730.12322", h.sopInstanceUid());
        assertEquals("1.2.840.10008.1.2.1", h.transferSyntaxUid());
        assertEquals(Files.size(file) - h.dataSetOffset(), h.dataSetLength());
        assertDataSetStartsWithGroup(file, h, 0x0008);
    }

    @Test
    void readsCompressedBigEndianAndDeflatedFilesWithoutTouchingTheirDataSets() throws Exception {
        assertEquals("1.2.840.10008.1.2.4.91", Part10Header.read(TestData.pydicom("JPEG2000.dcm")).transferSyntaxUid());
        Path bigEndian = TestData.pydicom("MR_small_bigendian.dcm");
        Part10Header h = Part10Header.read(bigEndian);
        assertEquals("1.2.840.10008.1.2.2", h.transferSyntaxUid());
        // group 0008 as big endian: the data set starts where the meta said, in its own byte order
        byte[] b = Files.readAllBytes(bigEndian);
        assertEquals(0x0008, ((b[(int) h.dataSetOffset()] & 0xFF) << 8) | (b[(int) h.dataSetOffset() + 1] & 0xFF));
        Part10Header deflated = Part10Header.read(TestData.pydicom("image_dfl.dcm"));
        assertTrue(deflated.deflated() && deflated.oddLength());
    }

    @Test
    void aFileWithoutGroupLengthIsReadByWalkingGroup0002() throws Exception {
        Path file = TestData.pydicom("no_meta_group_length.dcm");
        Part10Header h = Part10Header.read(file);
        assertEquals("1.2.840.10008.5.1.4.1.1.481.1", h.sopClassUid());
        assertEquals("1.2.840.10008.1.2", h.transferSyntaxUid());
        assertDataSetStartsWithGroup(file, h, 0x0008);
    }

    @Test
    void refusesFilesThatCannotBeSentAsTheyAre() throws Exception {
        assertMalformed(TestData.pydicom("no_meta.dcm"), "no DICM prefix");
        // its SOP class and instance UIDs are empty as well, and the first gap found is named
        assertMalformed(TestData.pydicom("meta_missing_tsyntax.dcm"), "its file meta lacks");
        byte[] ct = Files.readAllBytes(TestData.pydicom("CT_small.dcm"));
        Path odd = temp.resolve("odd.dcm");
        Files.write(odd, Arrays.copyOf(ct, ct.length - 1));
        assertMalformed(odd, "odd length");
        Path metaOnly = temp.resolve("meta-only.dcm");
        Files.write(metaOnly, Arrays.copyOf(ct, (int) Part10Header.read(TestData.pydicom("CT_small.dcm")).dataSetOffset()));
        assertMalformed(metaOnly, "no data set");
        Path wrongGroupLength = temp.resolve("wrong-group-length.dcm");
        byte[] patched = ct.clone();
        patched[140] += 2;
        Files.write(wrongGroupLength, patched);
        assertMalformed(wrongGroupLength, "Group Length");
    }

    private static void assertMalformed(Path file, String expected) {
        Part10Header.MalformedException e = assertThrows(Part10Header.MalformedException.class, () -> Part10Header.read(file));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    private static void assertDataSetStartsWithGroup(Path file, Part10Header h, int group) throws Exception {
        byte[] b = Files.readAllBytes(file);
        int p = (int) h.dataSetOffset();
        assertEquals(group, (b[p] & 0xFF) | ((b[p + 1] & 0xFF) << 8), "little-endian group at the data set offset");
    }
}
