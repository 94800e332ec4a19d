package org.deidgateway.dicom;

import com.pixelmed.dicom.Attribute;
import com.pixelmed.dicom.AttributeList;
import com.pixelmed.dicom.AttributeTag;
import com.pixelmed.dicom.LongStringAttribute;
import com.pixelmed.dicom.UnsignedLongAttribute;
import com.pixelmed.dicom.TagFromName;
import org.deidgateway.net.Implementation;
import org.deidgateway.testsupport.TestData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The copies the gateway writes name the gateway in their file meta information, with a true group length. */
class FileMetaTest {

    private static final Set<String> LONG_VRS = Set.of("OB", "OD", "OF", "OL", "OV", "OW", "SQ", "SV", "UC", "UN", "UR", "UT", "UV");

    @TempDir
    Path dir;

    @Test
    void removingTheFileMetaByKeyRangeLeavesWhatPixelMedsOwnRemovalLeaves() throws Exception {
        for (String name : new String[] {"CT_small.dcm", "MR_small.dcm", "MR_small_implicit.dcm", "rtplan.dcm"}) {
            AttributeList ours = new AttributeList();
            ours.read(TestData.pydicom(name).toString());
            // a group 0000 length and an odd group 0001 element, which no file should hold but one may
            Attribute length = new UnsignedLongAttribute(new AttributeTag(0x0000, 0x0000));
            length.addValue(4);
            ours.put(length);
            Attribute odd = new LongStringAttribute(new AttributeTag(0x0001, 0x0010));
            odd.addValue("X");
            ours.put(odd);
            AttributeList pixelMeds = new AttributeList();
            pixelMeds.putAll(ours);
            assertTrue(ours.get(TagFromName.TransferSyntaxUID) != null, name);
            DicomFiles.removeFileMeta(ours);
            pixelMeds.removeMetaInformationHeaderAttributes();
            assertEquals(pixelMeds.keySet(), ours.keySet(), name);
            assertTrue(ours.get(TagFromName.TransferSyntaxUID) == null && ours.get(TagFromName.SOPInstanceUID) != null, name);
        }
    }

    @Test
    void aWrittenCopyNamesTheGatewayAndItsGroupLengthCoversTheMetaElements() throws Exception {
        AttributeList dataset = new AttributeList();
        dataset.read(TestData.pydicom("CT_small.dcm").toString());
        dataset.removeMetaInformationHeaderAttributes();
        Path copy = dir.resolve("copy.dcm");
        DicomFiles.writeAtomically(new DicomObject(dataset, "1.2.840.10008.1.2.1"), copy);

        AttributeList meta = new AttributeList();
        meta.read(copy.toString());
        assertEquals(Implementation.CLASS_UID, Attribute.getSingleStringValueOrEmptyString(meta, TagFromName.ImplementationClassUID));
        assertEquals(Implementation.VERSION_NAME, Attribute.getSingleStringValueOrEmptyString(meta, TagFromName.ImplementationVersionName));

        // walk group 0002 byte by byte, as any reader does, and compare with the group length written
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(copy)).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals("DICM", new String(b.array(), 128, 4, StandardCharsets.US_ASCII));
        b.position(132);
        long declared = -1;
        int firstAfterLength = -1;
        while (b.remaining() >= 8 && b.getShort(b.position()) == 0x0002) {
            int element = b.getShort(b.position() + 2) & 0xFFFF;
            String vr = new String(b.array(), b.position() + 4, 2, StandardCharsets.US_ASCII);
            int header = LONG_VRS.contains(vr) ? 12 : 8;
            long length = header == 12 ? b.getInt(b.position() + 8) & 0xFFFFFFFFL : b.getShort(b.position() + 6) & 0xFFFF;
            if (element == 0x0000) {
                declared = b.getInt(b.position() + 8) & 0xFFFFFFFFL;
                firstAfterLength = b.position() + 12;
            }
            b.position((int) (b.position() + header + length));
        }
        assertTrue(declared > 0, "a File Meta Information Group Length");
        assertEquals(b.position() - firstAfterLength, declared, "group length against the meta elements' bytes");

        // and dcmtk reads it without a complaint
        Process dump = new ProcessBuilder("dcmdump", "-q", copy.toString()).redirectErrorStream(true).start();
        String out = new String(dump.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(dump.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, dump.exitValue(), out);
        assertTrue(out.contains(Implementation.CLASS_UID), out);
        assertTrue(!out.contains("W: ") && !out.contains("E: "), out);
    }
}
