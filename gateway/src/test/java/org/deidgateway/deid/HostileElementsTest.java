package org.deidgateway.deid;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.pixelmed.dicom.Attribute;
import com.pixelmed.dicom.AttributeFactory;
import com.pixelmed.dicom.AttributeList;
import com.pixelmed.dicom.AttributeTag;
import com.pixelmed.dicom.OtherByteAttribute;
import com.pixelmed.dicom.SequenceAttribute;
import com.pixelmed.dicom.TagFromName;
import com.pixelmed.dicom.TransferSyntax;
import org.deidgateway.dicom.DicomFiles;
import org.deidgateway.dicom.DicomObject;
import org.deidgateway.testsupport.Engines;
import org.deidgateway.testsupport.TestData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Identity hidden where a careless modality or a broken network puts it: in elements nobody
 * defines, in values that are not what their VR allows, in elements that arrive as UN. Each case
 * is written as a real file (explicit and implicit VR little endian), opened as the gateway opens
 * received objects, de-identified with the stage-one profile, written, and the written bytes are
 * searched for the planted identity.
 */
class HostileElementsTest {

    private static final String SECRET_ID = "PID-9999";
    private static final String SECRET_NAME = "Hidden^Name";
    private static final AttributeTag KVP = new AttributeTag(0x0018, 0x0060);

    @TempDir
    Path dir;

    @Test
    void elementsPs36DoesNotDefineAreRemovedInEveryStandardGroup() throws Exception {
        List<AttributeTag> planted = new ArrayList<>();
        AttributeList dataset = ct();
        for (int group : standardGroups()) {
            AttributeTag tag = undefinedElementIn(group);
            if (tag == null) {
                continue;
            }
            Attribute a = AttributeFactory.newAttribute(tag, "LO".getBytes(StandardCharsets.US_ASCII));
            a.addValue(SECRET_ID + "-" + Integer.toHexString(group));
            dataset.put(a);
            planted.add(tag);
        }
        assertTrue(planted.size() > 60, "PS3.6 has elements in more than 60 standard groups: " + planted.size());
        for (String syntax : List.of(TransferSyntax.ExplicitVRLittleEndian, TransferSyntax.ImplicitVRLittleEndian)) {
            AttributeList out = roundTrip(dataset, syntax, Map.of());
            for (AttributeTag tag : planted) {
                assertNull(out.get(tag), tag + " is not in PS3.6 and must not survive (" + syntax + ")");
            }
        }
    }

    @Test
    void aCorruptedTagByteDoesNotCarryThePatientIdOut() throws Exception {
        AttributeList dataset = ct();
        // (0010,0020) with one byte changed on the wire
        Attribute copy = AttributeFactory.newAttribute(new AttributeTag(0x0010, 0xCF20), "LO".getBytes(StandardCharsets.US_ASCII));
        copy.addValue(SECRET_ID);
        dataset.put(copy);
        roundTrip(dataset, TransferSyntax.ExplicitVRLittleEndian, Map.of());
        roundTrip(dataset, TransferSyntax.ImplicitVRLittleEndian, Map.of());
    }

    @Test
    void keptValuesThatBreakTheirVrAreEmptiedAndValidOnesKept() throws Exception {
        AttributeList dataset = ct();
        // the name swallowed into a time: a length error on the wire, Patient's Name gone
        dataset.remove(TagFromName.PatientName);
        put(dataset, TagFromName.SeriesTime, "TM", "112749 " + SECRET_NAME + "^" + SECRET_ID);
        put(dataset, TagFromName.Modality, "CS", "CT " + SECRET_ID);
        put(dataset, TagFromName.InstanceNumber, "IS", "12 " + SECRET_ID);
        put(dataset, TagFromName.SliceThickness, "DS", "5.0 " + SECRET_NAME);
        put(dataset, TagFromName.PatientAge, "AS", "045Y " + SECRET_ID);
        put(dataset, TagFromName.StudyDate, "DA", "20190304" + SECRET_ID);
        put(dataset, TagFromName.ReferencedSOPClassUID, "UI", "1.2.840.10008.5.1.4.1.1.2 " + SECRET_ID);
        // control bytes of swallowed elements in a description the profile cleans
        put(dataset, TagFromName.ProtocolName, "LO", "CHEST\u0010\u0000\u0010" + SECRET_ID);
        // and valid values of the same kinds, which stay
        put(dataset, TagFromName.AcquisitionTime, "TM", "112750.25");
        put(dataset, KVP, "DS", "120");
        put(dataset, TagFromName.SeriesNumber, "IS", "3");
        for (String syntax : List.of(TransferSyntax.ExplicitVRLittleEndian, TransferSyntax.ImplicitVRLittleEndian)) {
            AttributeList out = roundTrip(dataset, syntax, Map.of());
            for (AttributeTag emptied : List.of(TagFromName.SeriesTime, TagFromName.Modality, TagFromName.InstanceNumber,
                    TagFromName.SliceThickness, TagFromName.PatientAge, TagFromName.StudyDate,
                    TagFromName.ReferencedSOPClassUID, TagFromName.ProtocolName)) {
                Attribute a = out.get(emptied);
                assertTrue(a == null || a.getVL() == 0, emptied + " does not match its VR: emptied, got "
                        + (a == null ? null : a.getDelimitedStringValuesOrEmptyString()));
            }
            assertEquals("112750.25", value(out, TagFromName.AcquisitionTime));
            assertEquals("120", value(out, KVP));
            assertEquals("3", value(out, TagFromName.SeriesNumber));
        }
    }

    @Test
    void theEngineSaysWhichTagsItDistrusted() throws Exception {
        AttributeList dataset = ct();
        put(dataset, TagFromName.SeriesTime, "TM", "112749 " + SECRET_NAME);
        DeidentifiedInstance result = Engines.forProfile("pseudonymize", "hostile", 3).deidentify(dataset);
        assertEquals(List.of(0x00080031), result.emptiedTags());
        assertEquals("[(0008,0031)]", DeidentifiedInstance.tags(result.emptiedTags()));
    }

    @Test
    void anAttributeWithAnotherVrThanPs36GivesIsNotKept() throws Exception {
        AttributeList dataset = ct();
        AttributeTag brightness = new AttributeTag(0x0016, 0x0023); // Brightness Value, DS in PS3.6
        put(dataset, brightness, "LO", SECRET_ID + " camera");
        AttributeList out = roundTrip(dataset, TransferSyntax.ExplicitVRLittleEndian, Map.of());
        assertNull(out.get(brightness), "text in a numeric attribute: removed");

        AttributeList valid = ct();
        put(valid, brightness, "DS", "1.5");
        assertEquals("1.5", value(roundTrip(valid, TransferSyntax.ExplicitVRLittleEndian, Map.of()), brightness));
    }

    @Test
    void photoAndGpsAttributesLeaveWhateverVrTheyArriveWith() throws Exception {
        AttributeList dataset = ct();
        AttributeTag cameraOwner = new AttributeTag(0x0016, 0x004D);
        AttributeTag gpsLatitude = new AttributeTag(0x0016, 0x0072);
        AttributeTag patientSize = TagFromName.PatientSize;
        put(dataset, cameraOwner, "UC", SECRET_NAME);
        put(dataset, gpsLatitude, "DS", "48.137154");
        put(dataset, patientSize, "DS", "1.83");
        // as written with their VR, as UN by a sender that did not know them, and in implicit VR
        Map<AttributeTag, String> asUnknown = Map.of(cameraOwner, "UC", gpsLatitude, "DS", patientSize, "DS");
        for (var layout : List.of(Map.<AttributeTag, String>of(), asUnknown)) {
            for (String syntax : List.of(TransferSyntax.ExplicitVRLittleEndian, TransferSyntax.ImplicitVRLittleEndian)) {
                AttributeList out = roundTrip(dataset, syntax, layout, "48.137154");
                assertNull(out.get(cameraOwner), "Camera Owner Name: X");
                assertNull(out.get(gpsLatitude), "GPS Latitude: X");
                // Retain Patient Characteristics keeps it, as the table says, read as the DS it is
                assertEquals("1.83", value(out, patientSize));
                assertEquals("DS", out.get(patientSize).getVRAsString());
            }
        }
    }

    @Test
    void aSequenceThatArrivedAsUnIsWalkedItemByItem() throws Exception {
        AttributeList dataset = ct();
        AttributeTag container = new AttributeTag(0x0008, 0x0220); // Responsible Group Code Sequence: kept
        AttributeList item = new AttributeList();
        put(item, TagFromName.CodeValue, "SH", "G1");
        put(item, TagFromName.CodeMeaning, "LO", "Group");
        put(item, TagFromName.OtherPatientIDs, "LO", SECRET_ID);
        put(item, TagFromName.PatientSize, "DS", "1.83");
        put(item, TagFromName.PersonName, "PN", SECRET_NAME);
        put(item, new AttributeTag(0x0010, 0xCF20), "LO", SECRET_ID);
        SequenceAttribute sequence = new SequenceAttribute(container);
        sequence.addItem(item);
        dataset.put(sequence);
        AttributeList out = roundTrip(dataset, TransferSyntax.ExplicitVRLittleEndian, Map.of(container, "SQ"));
        Attribute read = out.get(container);
        assertTrue(read instanceof SequenceAttribute, "read as the sequence PS3.6 says it is");
        AttributeList itemOut = ((SequenceAttribute) read).getItem(0).getAttributeList();
        assertEquals("G1", value(itemOut, TagFromName.CodeValue), "its kept content stays");
        assertNull(itemOut.get(TagFromName.OtherPatientIDs), "Other Patient IDs: X, inside the item too");
        assertNull(itemOut.get(new AttributeTag(0x0010, 0xCF20)), "unknown element inside the item removed");
    }

    @Test
    void unBytesThatAreNoValueOfTheVrAreRemoved() throws Exception {
        AttributeList dataset = ct();
        AttributeTag container = new AttributeTag(0x0008, 0x0220);
        // a "sequence" whose bytes are text, not items
        OtherByteAttribute junk = new OtherByteAttribute(container);
        junk.setValues((SECRET_NAME + "^" + SECRET_ID).getBytes(StandardCharsets.US_ASCII));
        dataset.put(junk);
        AttributeList out = roundTrip(dataset, TransferSyntax.ExplicitVRLittleEndian, Map.of(container, "OB"));
        assertNull(out.get(container));
    }

    // ---- helpers

    private static AttributeList ct() throws Exception {
        AttributeList list = TableE11ConformanceTest.read(Files.readAllBytes(TestData.pydicom("CT_small.dcm")));
        put(list, TagFromName.PatientName, "PN", SECRET_NAME);
        put(list, TagFromName.PatientID, "LO", SECRET_ID);
        return list;
    }

    private static void put(AttributeList list, AttributeTag tag, String vr, String value) throws Exception {
        Attribute a = AttributeFactory.newAttribute(tag, vr.getBytes(StandardCharsets.US_ASCII));
        a.addValue(value);
        list.put(a);
    }

    private static String value(AttributeList list, AttributeTag tag) {
        return Attribute.getDelimitedStringValuesOrEmptyString(list, tag).trim();
    }

    private AttributeList roundTrip(AttributeList dataset, String syntax, Map<AttributeTag, String> writeAsUn,
                                    String... alsoSecret) throws Exception {
        Path in = dir.resolve("in-" + System.nanoTime() + ".dcm");
        Files.write(in, encode(dataset, syntax, writeAsUn));
        DicomObject object = DicomFiles.open(in);
        Engines.forProfile("pseudonymize", "hostile", 3).deidentify(object.dataset());
        Path out = dir.resolve("out-" + System.nanoTime() + ".dcm");
        DicomFiles.writeAtomically(object, out);
        String bytes = new String(Files.readAllBytes(out), StandardCharsets.ISO_8859_1);
        List<String> secrets = new ArrayList<>(List.of(SECRET_ID, "Hidden"));
        secrets.addAll(List.of(alsoSecret));
        for (String secret : secrets) {
            assertTrue(!bytes.contains(secret), "'" + secret + "' left the engine in " + syntax + " with UN " + writeAsUn.keySet());
        }
        AttributeList read = new AttributeList();
        read.setDecompressPixelData(false);
        read.read(out.toFile());
        return read;
    }

    /**
     * The dataset as a Part 10 file; the attributes named in {@code writeAsUn} get VR UN in explicit
     * VR, their value bytes as the named VR encodes them (a sequence's items in implicit VR).
     */
    private static byte[] encode(AttributeList dataset, String syntax, Map<AttributeTag, String> writeAsUn) throws Exception {
        AttributeList copy = new AttributeList();
        copy.putAll(dataset);
        if (syntax.equals(TransferSyntax.ExplicitVRLittleEndian)) {
            for (AttributeTag tag : writeAsUn.keySet()) {
                Attribute original = copy.get(tag);
                Attribute unknown = original instanceof OtherByteAttribute ? original : TableE11ConformanceTest.asUnknown(original);
                OtherByteAttribute carrier = new OtherByteAttribute(tag);
                carrier.setValues(unknown.getByteValues());
                copy.put(carrier);
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        copy.removeMetaInformationHeaderAttributes();
        com.pixelmed.dicom.FileMetaInformation.addFileMetaInformation(copy, "1.2.840.10008.5.1.4.1.1.2",
                Attribute.getSingleStringValueOrEmptyString(copy, TagFromName.SOPInstanceUID), syntax, "TEST");
        copy.write(out, syntax, true, true);
        byte[] bytes = out.toByteArray();
        if (syntax.equals(TransferSyntax.ExplicitVRLittleEndian)) {
            for (AttributeTag tag : writeAsUn.keySet()) {
                patchVrToUn(bytes, tag);
            }
        }
        return bytes;
    }

    /** OB and UN share the explicit VR header layout (VR, two reserved bytes, a 32-bit length). */
    private static void patchVrToUn(byte[] bytes, AttributeTag tag) {
        byte[] header = {(byte) tag.getGroup(), (byte) (tag.getGroup() >>> 8), (byte) tag.getElement(),
                (byte) (tag.getElement() >>> 8), 'O', 'B'};
        for (int i = 132; i + header.length <= bytes.length; i++) {
            boolean match = true;
            for (int j = 0; j < header.length && match; j++) {
                match = bytes[i + j] == header[j];
            }
            if (match) {
                bytes[i + 4] = 'U';
                bytes[i + 5] = 'N';
                return;
            }
        }
        throw new AssertionError("no OB element " + tag + " to turn into UN");
    }

    /** Every even group PS3.6 defines elements in, except file meta, items and the pixel data group. */
    private static TreeSet<Integer> standardGroups() throws Exception {
        TreeSet<Integer> groups = new TreeSet<>();
        for (JsonNode a : new ObjectMapper().readTree(TestData.repoRoot().resolve("profiles/standard/attributes.json").toFile())) {
            String g = a.get("tag").asText().substring(1, 5).toUpperCase();
            if (g.contains("X")) {
                g = g.replace('X', '0');
            }
            int group = Integer.parseInt(g, 16);
            if (group != 0x0002 && group != 0xFFFE && group != 0xFFFC && group != 0x7FE0) {
                groups.add(group);
            }
        }
        return groups;
    }

    /** An element of the group PS3.6 does not define, or null if it defines all of them. */
    private static AttributeTag undefinedElementIn(int group) {
        var dictionary = org.deidgateway.profile.DataDictionary.bundled();
        for (int element = 0xCF20; element < 0xFFFF; element++) {
            if (dictionary.entry((group << 16) | element).isEmpty()) {
                return new AttributeTag(group, element);
            }
        }
        return null; // (1010,xxxx) is defined throughout
    }
}
