package org.deidgateway.deid;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.pixelmed.dicom.Attribute;
import com.pixelmed.dicom.AttributeFactory;
import com.pixelmed.dicom.AttributeList;
import com.pixelmed.dicom.AttributeTag;
import com.pixelmed.dicom.DicomDictionary;
import com.pixelmed.dicom.DicomException;
import com.pixelmed.dicom.DicomInputStream;
import com.pixelmed.dicom.DicomOutputStream;
import com.pixelmed.dicom.TransferSyntax;
import com.pixelmed.dicom.UnknownAttribute;
import com.pixelmed.dicom.PersonNameAttribute;
import com.pixelmed.dicom.SequenceAttribute;
import com.pixelmed.dicom.TagFromName;
import com.pixelmed.dicom.UniqueIdentifierAttribute;
import org.deidgateway.profile.ConfidentialityProfile;
import org.deidgateway.profile.ProfileOption;
import org.deidgateway.testsupport.TestData;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * For every row of PS3.15 Table E.1-1 (read here straight from the JSON, independently of the
 * engine's own loader) and for the Basic Profile alone and each option, plants the attribute in a
 * real CT dataset, de-identifies it and checks that the outcome is one the table's action allows.
 * Each row is planted in four layouts, since the table is the authority whatever the encoding:
 * with its VR, as UN (as an implicit VR file or a sender that wrote UN delivers an element
 * PixelMed's dictionary does not know), inside an item of a kept sequence, and inside such a
 * sequence that itself arrived as UN.
 */
class TableE11ConformanceTest {

    enum Layout { AS_VR, AS_UN, NESTED, NESTED_IN_UN }

    /** Responsible Group Code Sequence: PS3.6 defines it, Table E.1-1 does not list it: kept, its items walked. */
    private static final AttributeTag CONTAINER = new AttributeTag(0x0008, 0x0220);

    private static final String PLANTED_TEXT = "Planted note Doe John 19650412 tel +49 30 1234567";
    private static final String PLANTED_UID = "1.2.826.0.1.3680043.2.1143.424242";
    /** Crosses a year end backwards from the planted 2019-03-04. */
    private static final int SHIFT_DAYS = -400;
    private static final Map<String, String> VR_BY_TAG = new HashMap<>();
    private static byte[] baseDataset;
    /** Set per check; the checks of one factory run one after another. */
    private static boolean retainUids;

    @TestFactory
    List<DynamicTest> everyRowUnderEveryOption() throws Exception {
        Path table = TestData.repoRoot().resolve("profiles/standard/confidentiality_profile_attributes.json");
        JsonNode rows = new ObjectMapper().readTree(table.toFile());
        for (JsonNode a : new ObjectMapper().readTree(TestData.repoRoot().resolve("profiles/standard/attributes.json").toFile())) {
            VR_BY_TAG.put(a.get("tag").asText().toUpperCase(), a.path("valueRepresentation").asText());
        }
        baseDataset = Files.readAllBytes(TestData.pydicom("CT_small.dcm"));
        assertEquals(621, rows.size(), "Table E.1-1 (2024e) has 621 rows");
        List<DynamicTest> tests = new ArrayList<>();
        List<ProfileOption> configurations = new ArrayList<>();
        configurations.add(null);
        configurations.addAll(java.util.Arrays.stream(ProfileOption.values()).filter(ProfileOption::inTable).toList());
        for (Layout layout : Layout.values()) {
            for (ProfileOption option : configurations) {
                for (JsonNode row : rows) {
                    if (layout != Layout.AS_VR && isPatternOrPrivate(row)) {
                        continue;
                    }
                    String code = option == null ? row.get("basicProfile").asText()
                            : row.has(option.tableColumn()) ? row.get(option.tableColumn()).asText() : row.get("basicProfile").asText();
                    String name = (option == null ? "basic" : option.yamlName()) + " " + layout + " " + row.get("tag").asText()
                            + " " + row.get("name").asText() + " -> " + code;
                    tests.add(DynamicTest.dynamicTest(name, () -> check(row, option, code, layout)));
                }
            }
        }
        return tests;
    }

    /** Curve, overlay and private rows are patterns: planted with their VR only, as before. */
    private static boolean isPatternOrPrivate(JsonNode row) {
        return row.get("tag").asText().toUpperCase().contains("X") || row.get("tag").asText().startsWith("(GGGG");
    }

    private static void check(JsonNode row, ProfileOption option, String code, Layout layout) throws Exception {
        Set<ProfileOption> options = option == null ? EnumSet.noneOf(ProfileOption.class) : EnumSet.of(option);
        ConfidentialityProfile profile = new ConfidentialityProfile("table-test", "", options, Map.of());
        boolean shiftsDates = option == ProfileOption.RETAIN_LONGITUDINAL_MODIFIED_DATES;
        if (shiftsDates) {
            // without a source of per-patient offsets the profile must refuse rather than keep real dates
            assertThrows(DeidentificationException.class, () -> TestEngines.engine(profile, 1));
        }
        Deidentifier engine = shiftsDates ? TestEngines.shiftingDates(profile, 1, SHIFT_DAYS) : TestEngines.engine(profile, 1);
        retainUids = option == ProfileOption.RETAIN_UIDS;
        AttributeList dataset = read(baseDataset);
        setPatientName(dataset, "Doe^John");
        if (row.get("tag").asText().startsWith("(GGGG")) {
            checkPrivate(engine, dataset, option == ProfileOption.RETAIN_SAFE_PRIVATE);
            return;
        }
        AttributeList target = dataset;
        if (layout == Layout.NESTED || layout == Layout.NESTED_IN_UN) {
            target = new AttributeList();
            SequenceAttribute container = new SequenceAttribute(CONTAINER);
            container.addItem(target);
            dataset.put(container);
        }
        Planted planted = plant(target, row.get("tag").asText());
        if (layout == Layout.AS_UN) {
            dataset.put(asUnknown(dataset.get(planted.tag)));
        } else if (layout == Layout.NESTED_IN_UN) {
            dataset.put(asUnknown(dataset.get(CONTAINER)));
        }
        engine.deidentify(dataset);
        AttributeList outList = dataset;
        if (layout == Layout.NESTED || layout == Layout.NESTED_IN_UN) {
            Attribute container = dataset.get(CONTAINER);
            assertTrue(container instanceof SequenceAttribute s && s.getNumberOfItems() == 1,
                    "the kept container sequence is a sequence again, with its item");
            outList = ((SequenceAttribute) container).getItem(0).getAttributeList();
        }
        Attribute out = outList.get(planted.tag);
        assertOutcome(code, planted, out);
        if (shiftsDates) {
            assertNoRealDate(planted, out);
        }
    }

    /**
     * Under Retain Longitudinal Modified Dates every date is either gone, empty, or moved by exactly
     * the patient's offset: never the real one.
     */
    private static void assertNoRealDate(Planted planted, Attribute out) throws DicomException {
        if (out == null || isEmpty(out) || !("DA".equals(planted.vr) || "DT".equals(planted.vr))) {
            return;
        }
        LocalDate original = LocalDate.parse(planted.value.substring(0, 8), DateTimeFormatter.BASIC_ISO_DATE);
        String expected = original.plusDays(SHIFT_DAYS).format(DateTimeFormatter.BASIC_ISO_DATE) + planted.value.substring(8);
        assertEquals(expected, out.getDelimitedStringValuesOrEmptyString(), "date shifted by exactly the offset");
    }

    private static void assertOutcome(String code, Planted planted, Attribute out) throws DicomException {
        switch (code) {
            case "X" -> assertNull(out, "X: removed");
            case "Z" -> assertEmpty(out);
            case "D" -> assertDummy(planted, out);
            case "K" -> assertKept(planted, out);
            case "U" -> assertRemapped(out);
            case "C" -> assertCleaned(planted, out);
            case "X/Z" -> {
                if (out != null) assertEmpty(out);
            }
            case "X/D" -> {
                if (out != null) assertDummy(planted, out);
            }
            case "Z/D" -> {
                assertNotNull(out, "Z/D: present");
                if (!isEmpty(out)) assertDummy(planted, out);
            }
            case "X/Z/D" -> {
                if (out != null && !isEmpty(out)) assertDummy(planted, out);
            }
            case "X/Z/U*" -> {
                if (out != null && !isEmpty(out)) {
                    assertSequenceUidsRemapped(out);
                }
            }
            default -> fail("unexpected action code " + code);
        }
    }

    private static void assertEmpty(Attribute out) {
        assertNotNull(out, "Z: present");
        assertTrue(isEmpty(out), "Z: zero length");
    }

    private static boolean isEmpty(Attribute out) {
        return out instanceof SequenceAttribute s ? s.getNumberOfItems() == 0 : out.getVL() == 0;
    }

    private static void assertDummy(Planted planted, Attribute out) throws DicomException {
        assertNotNull(out, "D: present");
        if (out instanceof SequenceAttribute s) {
            assertTrue(s.getNumberOfItems() > 0, "D on a sequence: items kept, their content replaced");
            assertSequenceContentReplaced(s);
            return;
        }
        assertTrue(out.getVL() > 0, "D: non-zero length");
        if ("UI".equals(planted.vr)) {
            assertRemapped(out);
        } else if (planted.value != null && !isNumericOrBinary(planted.vr)) {
            assertFalse(out.getDelimitedStringValuesOrEmptyString().equals(planted.value), "D: value replaced");
        }
    }

    private static void assertKept(Planted planted, Attribute out) throws DicomException {
        assertNotNull(out, "K: present");
        if (out instanceof SequenceAttribute s) {
            assertEquals(1, s.getNumberOfItems(), "K: sequence kept");
        } else if (planted.value != null) {
            // a value read from bytes may keep the space that padded it to even length
            assertEquals(planted.value, out.getDelimitedStringValuesOrEmptyString().stripTrailing(), "K: value unchanged");
        }
    }

    private static void assertRemapped(Attribute out) throws DicomException {
        assertNotNull(out, "U: present");
        String value = out.getSingleStringValueOrEmptyString();
        assertTrue(value.startsWith("2.25."), "U: replaced by a 2.25 UID, got " + value);
        assertFalse(value.equals(PLANTED_UID));
    }

    private static void assertCleaned(Planted planted, Attribute out) throws DicomException {
        switch (planted.vr) {
            case "LO", "LT", "ST", "UT", "UC", "SH" -> {
                assertNotNull(out, "C: present");
                String value = out.getDelimitedStringValuesOrEmptyString();
                for (String identifying : List.of("Doe", "John", "19650412", "1234567")) {
                    assertFalse(value.contains(identifying), "C: '" + identifying + "' scrubbed from '" + value + "'");
                }
                assertTrue(value.startsWith("Planted") || value.startsWith("Plant"), "C: the rest kept: " + value);
            }
            case "SQ" -> {
                assertNotNull(out, "C on a sequence: present");
                assertSequenceContentReplaced((SequenceAttribute) out);
            }
            case "OB", "OW", "UN", "OF", "OD", "OL" -> assertNull(out, "C on binary content that cannot be cleaned: removed");
            case "PN" -> assertDummy(planted, out);
            default -> assertNotNull(out, "C on a non-text value: kept");
        }
    }

    /** Inside a cleaned or dummied sequence, the planted person name is replaced and UIDs remapped. */
    private static void assertSequenceContentReplaced(SequenceAttribute s) throws DicomException {
        AttributeList item = s.getItem(0).getAttributeList();
        String name = Attribute.getSingleStringValueOrEmptyString(item, TagFromName.PersonName);
        assertFalse(name.contains("Doe"), "person name in the item replaced");
        String uid = Attribute.getSingleStringValueOrEmptyString(item, TagFromName.ReferencedSOPInstanceUID);
        if (retainUids) {
            assertEquals(PLANTED_UID, uid, "Retain UIDs: UID in the item kept");
        } else {
            assertTrue(uid.startsWith("2.25."), "UID in the item remapped");
        }
    }

    private static void assertSequenceUidsRemapped(Attribute out) throws DicomException {
        SequenceAttribute s = (SequenceAttribute) out;
        String uid = Attribute.getSingleStringValueOrEmptyString(s.getItem(0).getAttributeList(),
                TagFromName.ReferencedSOPInstanceUID);
        assertTrue(retainUids ? uid.equals(PLANTED_UID) : uid.startsWith("2.25."), "X/Z/U*: contained instance UIDs replaced");
    }

    /**
     * The private attribute row: X, or C under Retain Safe Private, which keeps exactly the
     * attributes of Table E.3.10-1 under their private creator (with the creator element) and
     * removes the rest.
     */
    private static void checkPrivate(Deidentifier engine, AttributeList dataset, boolean retainSafe) throws Exception {
        putString(dataset, new AttributeTag(0x0009, 0x0010), "LO", "ACME PRIVATE");
        putString(dataset, new AttributeTag(0x0009, 0x1001), "LO", PLANTED_TEXT);
        putString(dataset, new AttributeTag(0x7053, 0x0010), "LO", "Philips PET Private Group");
        putString(dataset, new AttributeTag(0x7053, 0x1000), "DS", "1.5");
        putString(dataset, new AttributeTag(0x7053, 0x1077), "LO", PLANTED_TEXT);
        engine.deidentify(dataset);
        assertNull(dataset.get(new AttributeTag(0x0009, 0x1001)), "unlisted private attribute removed");
        assertNull(dataset.get(new AttributeTag(0x0009, 0x0010)), "creator of an emptied block removed");
        assertNull(dataset.get(new AttributeTag(0x7053, 0x1077)), "unlisted element of a known creator removed");
        if (retainSafe) {
            assertEquals("1.5", Attribute.getSingleStringValueOrEmptyString(dataset, new AttributeTag(0x7053, 0x1000)),
                    "safe private attribute (7053,xx00) kept");
            assertNotNull(dataset.get(new AttributeTag(0x7053, 0x0010)), "its private creator kept");
        } else {
            assertNull(dataset.get(new AttributeTag(0x7053, 0x1000)), "X: private attribute removed");
            assertNull(dataset.get(new AttributeTag(0x7053, 0x0010)), "and its creator");
        }
    }

    private record Planted(AttributeTag tag, String vr, String value) {
    }

    private static Planted plant(AttributeList dataset, String tableTag) throws DicomException {
        String t = tableTag.toUpperCase();
        if (t.startsWith("(GGGG")) {
            putString(dataset, new AttributeTag(0x0009, 0x0010), "LO", "ACME PRIVATE");
            return putString(dataset, new AttributeTag(0x0009, 0x1001), "LO", PLANTED_TEXT);
        }
        if (t.startsWith("(50XX")) {
            return putBinary(dataset, new AttributeTag(0x5000, 0x3000));
        }
        if (t.startsWith("(60XX,3000")) {
            return putBinary(dataset, new AttributeTag(0x6000, 0x3000));
        }
        if (t.startsWith("(60XX,4000")) {
            return putString(dataset, new AttributeTag(0x6000, 0x4000), "LT", PLANTED_TEXT);
        }
        int group = Integer.parseInt(t.substring(1, 5), 16);
        int element = Integer.parseInt(t.substring(6, 10), 16);
        AttributeTag tag = new AttributeTag(group, element);
        String vr = VR_BY_TAG.get(t.substring(0, 11));
        if (vr == null || vr.length() < 2) {
            // Not in PS3.6 (the command group is defined in PS3.7): PixelMed's dictionary knows it.
            byte[] known = DicomDictionary.StandardDictionary.getValueRepresentationFromTag(tag);
            vr = known == null ? "UN" : new String(known, StandardCharsets.US_ASCII);
        }
        vr = vr.substring(0, 2);
        return switch (vr) {
            case "SQ" -> putSequence(dataset, tag);
            case "OB", "OW", "UN", "OF", "OD", "OL", "OV" -> putBinary(dataset, tag, vr);
            default -> putString(dataset, tag, vr, plantedValue(vr));
        };
    }

    private static String plantedValue(String vr) {
        return switch (vr) {
            case "AE" -> "PLANTAE";
            case "AS" -> "045Y";
            case "CS" -> "PLANTED";
            case "DA" -> "20190304";
            case "DT" -> "20190304101010";
            case "TM" -> "101010";
            case "DS" -> "1.5";
            case "IS", "US", "SS", "UL", "SL", "UV", "SV" -> "7";
            case "FL", "FD" -> "7.0";
            case "PN" -> "Doe^John";
            case "UI" -> PLANTED_UID;
            case "UR" -> "http://example.org/planted";
            case "SH" -> "Plant Doe John";
            case "AT" -> null;
            default -> PLANTED_TEXT;
        };
    }

    private static Planted putString(AttributeList dataset, AttributeTag tag, String vr, String value) throws DicomException {
        Attribute a = AttributeFactory.newAttribute(tag, vr.getBytes(StandardCharsets.US_ASCII));
        if ("AT".equals(vr)) {
            a.addValue(0x00100010);
        } else {
            a.addValue(value);
        }
        dataset.put(a);
        return new Planted(tag, vr, "AT".equals(vr) ? null : a.getDelimitedStringValuesOrEmptyString());
    }

    private static Planted putBinary(AttributeList dataset, AttributeTag tag) throws DicomException {
        return putBinary(dataset, tag, "OB");
    }

    private static Planted putBinary(AttributeList dataset, AttributeTag tag, String vr) throws DicomException {
        Attribute a = AttributeFactory.newAttribute(tag, vr.getBytes(StandardCharsets.US_ASCII));
        switch (vr) {
            case "OW" -> a.setValues(new short[] {1, 2, 3, 4});
            case "OF" -> a.setValues(new float[] {1, 2});
            case "OD" -> a.setValues(new double[] {1, 2});
            case "OL", "OV" -> a.setValues(new int[] {1, 2});
            default -> a.setValues(new byte[] {1, 2, 3, 4});
        }
        dataset.put(a);
        return new Planted(tag, vr, null);
    }

    private static Planted putSequence(AttributeList dataset, AttributeTag tag) throws DicomException {
        SequenceAttribute s = new SequenceAttribute(tag);
        AttributeList item = new AttributeList();
        PersonNameAttribute name = new PersonNameAttribute(TagFromName.PersonName);
        name.addValue("Doe^John");
        item.put(name);
        UniqueIdentifierAttribute uid = new UniqueIdentifierAttribute(TagFromName.ReferencedSOPInstanceUID);
        uid.addValue(PLANTED_UID);
        item.put(uid);
        s.addItem(item);
        dataset.put(s);
        return new Planted(tag, "SQ", null);
    }

    private static boolean isNumericOrBinary(String vr) {
        return Set.of("DS", "IS", "US", "SS", "UL", "SL", "UV", "SV", "FL", "FD", "OB", "OW", "UN", "OF", "OD", "OL", "AT")
                .contains(vr);
    }

    /**
     * The same element as it arrives with VR UN: its value bytes as a sender in explicit VR little
     * endian writes them, a sequence's items in implicit VR little endian (PS3.5 6.2.2).
     */
    static Attribute asUnknown(Attribute attribute) throws Exception {
        boolean sequence = attribute instanceof SequenceAttribute;
        AttributeList one = new AttributeList();
        one.put(attribute);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        String syntax = sequence ? TransferSyntax.ImplicitVRLittleEndian : TransferSyntax.ExplicitVRLittleEndian;
        try (DicomOutputStream out = new DicomOutputStream(bytes, null, syntax)) {
            one.write(out);
        }
        byte[] all = bytes.toByteArray();
        String vr = attribute.getVRAsString();
        boolean longLength = sequence || Set.of("OB", "OD", "OF", "OL", "OV", "OW", "SV", "UC", "UN", "UR", "UT", "UV").contains(vr);
        int header = sequence ? 8 : longLength ? 12 : 8;
        int end = all.length;
        if (sequence && ByteBuffer.wrap(all, 4, 4).order(ByteOrder.LITTLE_ENDIAN).getInt() == -1) {
            end -= 8; // the sequence delimitation item of an undefined length: a UN value has a defined one
        }
        byte[] value = java.util.Arrays.copyOfRange(all, header, end);
        return new UnknownAttribute(attribute.getTag(), (long) value.length,
                new DicomInputStream(new ByteArrayInputStream(value), TransferSyntax.ExplicitVRLittleEndian, false));
    }

    static void setPatientName(AttributeList dataset, String name) throws DicomException {
        PersonNameAttribute pn = new PersonNameAttribute(TagFromName.PatientName);
        pn.addValue(name);
        dataset.put(pn);
    }

    static AttributeList read(byte[] bytes) throws Exception {
        AttributeList list = new AttributeList();
        list.setDecompressPixelData(false);
        try (DicomInputStream in = new DicomInputStream(new ByteArrayInputStream(bytes))) {
            list.read(in);
        }
        list.removeMetaInformationHeaderAttributes();
        return list;
    }
}
