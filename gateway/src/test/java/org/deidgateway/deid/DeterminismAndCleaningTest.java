package org.deidgateway.deid;

import com.pixelmed.dicom.Attribute;
import com.pixelmed.dicom.AttributeList;
import com.pixelmed.dicom.CodeStringAttribute;
import com.pixelmed.dicom.DateAttribute;
import com.pixelmed.dicom.LongStringAttribute;
import com.pixelmed.dicom.SequenceAttribute;
import com.pixelmed.dicom.ShortStringAttribute;
import com.pixelmed.dicom.TagFromName;
import com.pixelmed.dicom.UniqueIdentifierAttribute;
import com.pixelmed.dicom.UnlimitedTextAttribute;
import org.deidgateway.testsupport.Engines;
import org.deidgateway.testsupport.TestData;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DeterminismAndCleaningTest {

    private static byte[] ct;

    @BeforeAll
    static void load() throws Exception {
        ct = Files.readAllBytes(TestData.pydicom("CT_small.dcm"));
    }

    private static AttributeList ct() throws Exception {
        return TableE11ConformanceTest.read(ct);
    }

    @Test
    void sameInputSameKeysGiveSamePseudonymAndUids() throws Exception {
        DeidentifiedInstance first = Engines.forProfile("pseudonymize", "alpha", 1).deidentify(ct());
        DeidentifiedInstance again = Engines.forProfile("pseudonymize", "alpha", 1).deidentify(ct());
        assertEquals(first.pseudonym(), again.pseudonym());
        assertEquals(first.studyInstanceUid(), again.studyInstanceUid());
        assertEquals(first.sopInstanceUid(), again.sopInstanceUid());
        assertTrue(first.pseudonym().matches("ALPHA-[0-9A-HJKMNP-TV-Z]{26}"), first.pseudonym());
        assertTrue(first.studyInstanceUid().matches("2\\.25\\.[1-9][0-9]*"), first.studyInstanceUid());
    }

    @Test
    void anotherProjectGivesOtherPseudonymsAndUids() throws Exception {
        DeidentifiedInstance alpha = Engines.forProfile("pseudonymize", "alpha", 1).deidentify(ct());
        DeidentifiedInstance betaSameSecret = Engines.forProfile("pseudonymize", "beta", 1).deidentify(ct());
        DeidentifiedInstance otherSecret = Engines.forProfile("pseudonymize", "alpha", 2).deidentify(ct());
        assertNotEquals(alpha.pseudonym().substring(6), betaSameSecret.pseudonym().substring(5));
        assertNotEquals(alpha.studyInstanceUid(), betaSameSecret.studyInstanceUid());
        assertNotEquals(alpha.pseudonym(), otherSecret.pseudonym());
        assertNotEquals(alpha.sopInstanceUid(), otherSecret.sopInstanceUid());
    }

    @Test
    void instancesOfOneStudyShareOneStudyUidAndReferencesStayConsistent() throws Exception {
        Deidentifier engine = Engines.forProfile("pseudonymize", "alpha", 1);
        AttributeList image = ct();
        String originalSop = Attribute.getSingleStringValueOrEmptyString(image, TagFromName.SOPInstanceUID);
        AttributeList second = ct();
        put(second, new UniqueIdentifierAttribute(TagFromName.SOPInstanceUID), originalSop + ".2");
        // A third object of the same study referencing the first image, as a key image note would.
        AttributeList referencing = ct();
        put(referencing, new UniqueIdentifierAttribute(TagFromName.SOPInstanceUID), originalSop + ".3");
        SequenceAttribute refs = new SequenceAttribute(TagFromName.ReferencedImageSequence);
        AttributeList item = new AttributeList();
        put(item, new UniqueIdentifierAttribute(TagFromName.ReferencedSOPClassUID), "1.2.840.10008.5.1.4.1.1.2");
        put(item, new UniqueIdentifierAttribute(TagFromName.ReferencedSOPInstanceUID), originalSop);
        refs.addItem(item);
        referencing.put(refs);

        DeidentifiedInstance a = engine.deidentify(image);
        DeidentifiedInstance b = engine.deidentify(second);
        DeidentifiedInstance c = engine.deidentify(referencing);
        assertEquals(a.studyInstanceUid(), b.studyInstanceUid());
        assertEquals(a.studyInstanceUid(), c.studyInstanceUid());
        assertEquals(a.seriesInstanceUid(), b.seriesInstanceUid());
        assertNotEquals(a.sopInstanceUid(), b.sopInstanceUid());
        assertEquals(Attribute.getSingleStringValueOrEmptyString(image, TagFromName.FrameOfReferenceUID),
                Attribute.getSingleStringValueOrEmptyString(second, TagFromName.FrameOfReferenceUID));
        SequenceAttribute outRefs = (SequenceAttribute) referencing.get(TagFromName.ReferencedImageSequence);
        assertEquals(a.sopInstanceUid(), Attribute.getSingleStringValueOrEmptyString(
                outRefs.getItem(0).getAttributeList(), TagFromName.ReferencedSOPInstanceUID),
                "a reference points at the new UID of the referenced image");
        assertEquals("1.2.840.10008.5.1.4.1.1.2", Attribute.getSingleStringValueOrEmptyString(
                outRefs.getItem(0).getAttributeList(), TagFromName.ReferencedSOPClassUID), "SOP Class UIDs never change");
        assertEquals("1.2.840.10008.5.1.4.1.1.2", Attribute.getSingleStringValueOrEmptyString(image, TagFromName.SOPClassUID));
    }

    @Test
    void cleanDescriptorsScrubsEveryIdentifyingStringOfTheObject() throws Exception {
        AttributeList d = ct();
        TableE11ConformanceTest.setPatientName(d, "Müller^Hans^Peter");
        put(d, new LongStringAttribute(TagFromName.PatientID), "PAT-884211");
        put(d, new DateAttribute(TagFromName.PatientBirthDate), "19650412");
        put(d, new ShortStringAttribute(TagFromName.AccessionNumber), "ACC7731");
        put(d, new LongStringAttribute(TagFromName.PatientAddress), "Hauptstrasse 5, Heidelberg");
        put(d, new LongStringAttribute(TagFromName.InstitutionName), "Klinikum Nordstadt");
        TableE11ConformanceTest.setPatientName(d, "Müller^Hans^Peter");
        com.pixelmed.dicom.PersonNameAttribute referring = new com.pixelmed.dicom.PersonNameAttribute(TagFromName.ReferringPhysicianName);
        referring.addValue("Schmidt^Eva^^Dr.");
        d.put(referring);
        put(d, new LongStringAttribute(TagFromName.StudyDescription),
                "CT Thorax HANS MUELLER Müller geb. 12.04.1965 PAT-884211 ACC7731");
        put(d, new LongStringAttribute(TagFromName.SeriesDescription), "Dr. Schmidt, Hauptstrasse Heidelberg 1965-04-12");
        put(d, new LongStringAttribute(TagFromName.ProtocolName), "Thorax routine call 030 12345678 or x@y.org");
        Engines.forProfile("pseudonymize", "alpha", 1).deidentify(d);
        String study = Attribute.getSingleStringValueOrEmptyString(d, TagFromName.StudyDescription);
        String series = Attribute.getSingleStringValueOrEmptyString(d, TagFromName.SeriesDescription);
        String protocol = Attribute.getSingleStringValueOrEmptyString(d, TagFromName.ProtocolName);
        for (String text : List.of(study, series, protocol)) {
            for (String identifying : List.of("Müller", "Hans", "1965", "884211", "ACC7731", "Schmidt", "Hauptstrasse",
                    "Heidelberg", "12345678", "x@y.org")) {
                assertFalse(text.contains(identifying), "'" + identifying + "' left in '" + text + "'");
            }
        }
        assertTrue(study.startsWith("CT Thorax"), study);
        assertTrue(protocol.startsWith("Thorax routine"), protocol);
        assertNull(d.get(TagFromName.PatientAddress));
        assertEquals(0, d.get(TagFromName.ReferringPhysicianName).getVL());
    }

    @Test
    void structuredReportContentIsCleanedUnderCleanStructuredContent() throws Exception {
        AttributeList sr = TableE11ConformanceTest.read(Files.readAllBytes(TestData.pydicom("test-SR.dcm")));
        TableE11ConformanceTest.setPatientName(sr, "Tanaka^Yuki");
        SequenceAttribute content = (SequenceAttribute) sr.get(TagFromName.ContentSequence);
        AttributeList text = new AttributeList();
        put(text, new CodeStringAttribute(TagFromName.ValueType), "TEXT");
        put(text, new UnlimitedTextAttribute(TagFromName.TextValue), "Seen by Tanaka Yuki on 2021-03-04, MRN 99887766");
        content.addItem(text);
        AttributeList person = new AttributeList();
        put(person, new CodeStringAttribute(TagFromName.ValueType), "PNAME");
        com.pixelmed.dicom.PersonNameAttribute pn = new com.pixelmed.dicom.PersonNameAttribute(TagFromName.PersonName);
        pn.addValue("Suzuki^Ichiro");
        person.put(pn);
        content.addItem(person);

        var base = Engines.profile("pseudonymize");
        var options = java.util.EnumSet.copyOf(base.options());
        options.add(org.deidgateway.profile.ProfileOption.CLEAN_STRUCTURED_CONTENT);
        Engines.forProfile(new org.deidgateway.profile.ConfidentialityProfile("sr", "", options, base.overrides()),
                "alpha", 1).deidentify(sr);
        SequenceAttribute out = (SequenceAttribute) sr.get(TagFromName.ContentSequence);
        List<String> texts = new ArrayList<>();
        List<String> names = new ArrayList<>();
        collect(out, texts, names);
        assertTrue(texts.stream().anyMatch(t -> t.startsWith("Seen by")), texts.toString());
        for (String t : texts) {
            assertFalse(t.contains("Tanaka") || t.contains("Yuki") || t.contains("99887766") || t.contains("2021-03-04"), t);
        }
        assertFalse(names.isEmpty());
        for (String n : names) {
            assertFalse(n.contains("Suzuki"), n);
        }
    }

    private static void collect(SequenceAttribute s, List<String> texts, List<String> names) {
        for (int i = 0; i < s.getNumberOfItems(); i++) {
            AttributeList item = s.getItem(i).getAttributeList();
            Attribute t = item.get(TagFromName.TextValue);
            if (t != null) texts.add(t.getSingleStringValueOrEmptyString());
            Attribute n = item.get(TagFromName.PersonName);
            if (n != null) names.add(n.getSingleStringValueOrEmptyString());
            for (Attribute a : item.values()) {
                if (a instanceof SequenceAttribute nested) collect(nested, texts, names);
            }
        }
    }

    private static void put(AttributeList list, Attribute attribute, String value) throws Exception {
        attribute.addValue(value);
        list.put(attribute);
    }
}
