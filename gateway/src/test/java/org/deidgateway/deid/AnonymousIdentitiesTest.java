package org.deidgateway.deid;

import com.pixelmed.dicom.Attribute;
import com.pixelmed.dicom.AttributeList;
import com.pixelmed.dicom.AttributeTag;
import com.pixelmed.dicom.DateAttribute;
import com.pixelmed.dicom.DicomException;
import com.pixelmed.dicom.LongStringAttribute;
import com.pixelmed.dicom.PersonNameAttribute;
import com.pixelmed.dicom.SequenceAttribute;
import com.pixelmed.dicom.TagFromName;
import com.pixelmed.dicom.UniqueIdentifierAttribute;
import org.deidgateway.profile.ConfidentialityProfile;
import org.deidgateway.testsupport.Engines;
import org.deidgateway.testsupport.TestData;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.security.SecureRandom;
import java.time.LocalDate;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AnonymousIdentitiesTest {

    private static final String STAGE_ONE_ID = "PROJ-0123456789ABCDEFGHJKMNPQRS";

    @Test
    void onePatientGetsOneRandomIdAndOneOffset() {
        try (AnonymousIdentities ids = AnonymousIdentities.create(180, false)) {
            String id = ids.patientIdFor("link-a");
            assertTrue(id.matches("ANON-[0-9A-HJKMNP-TV-Z]{26}"), id);
            assertEquals(id, ids.patientIdFor("link-a"));
            assertEquals(ids.offsetDaysFor("link-a"), ids.offsetDaysFor("link-a"));
            assertNotEquals(id, ids.patientIdFor("link-b"));
            assertEquals(2, ids.patientCount());
        }
    }

    @Test
    void anotherRunGivesAnotherIdentity() {
        try (AnonymousIdentities first = AnonymousIdentities.create(180, false);
             AnonymousIdentities second = AnonymousIdentities.create(180, false)) {
            assertNotEquals(first.patientIdFor("link-a"), second.patientIdFor("link-a"));
        }
    }

    @Test
    void offsetsAreNeverZeroStayInRangeAndReachBothEnds() {
        try (AnonymousIdentities ids = new AnonymousIdentities(new SecureRandom(), 3, false)) {
            Set<Integer> seen = new HashSet<>();
            for (int i = 0; i < 600; i++) {
                seen.add(ids.offsetDaysFor("p" + i));
            }
            assertEquals(Set.of(-3, -2, -1, 1, 2, 3), seen);
        }
    }

    @Test
    void wholeWeekOffsetsAreMultiplesOfSeven() {
        try (AnonymousIdentities ids = new AnonymousIdentities(new SecureRandom(), 20, true)) {
            Set<Integer> seen = new HashSet<>();
            for (int i = 0; i < 600; i++) {
                seen.add(ids.offsetDaysFor("p" + i));
            }
            assertEquals(Set.of(-14, -7, 7, 14), seen);
        }
    }

    @Test
    void argumentsAreChecked() {
        SecureRandom random = new SecureRandom();
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new AnonymousIdentities(random, 0, false))
                .getMessage().contains("1 to 3650"));
        assertThrows(IllegalArgumentException.class, () -> new AnonymousIdentities(random, 3651, false));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new AnonymousIdentities(random, 6, true))
                .getMessage().contains("at least 7"));
        assertThrows(IllegalArgumentException.class, () -> new AnonymousIdentities(null, 180, false));
        new AnonymousIdentities(random, 7, true).close();
        new AnonymousIdentities(random, 3650, false).close();
    }

    @Test
    void closingForgetsEverything() {
        AnonymousIdentities ids = AnonymousIdentities.create(180, false);
        ids.patientIdFor("link-a");
        ids.close();
        assertEquals(0, ids.patientCount());
        assertThrows(IllegalStateException.class, () -> ids.patientIdFor("link-a"));
        assertThrows(IllegalStateException.class, () -> ids.ephemeralKeys("p"));
    }

    // ---- the anonymizing engine ----

    @Test
    void anOffsetIsRequiredExactlyByTheModifiedDatesProfile() throws Exception {
        ConfidentialityProfile anonymize = Engines.profile("anonymize");
        DeidentificationException refused = assertThrows(DeidentificationException.class,
                () -> Engines.forProfile(anonymize, "p", 1));
        assertTrue(refused.getMessage().contains("deid deidentify --profile anonymize"), refused.getMessage());
        try (AnonymousIdentities ids = AnonymousIdentities.create(180, false)) {
            assertThrows(DeidentificationException.class,
                    () -> DeidentifierFactory.createAnonymizing("p", Engines.profile("pseudonymize"), ids));
        }
    }

    @Test
    void studiesOfOnePatientShareTheNewIdAndKeepTheirInterval() throws Exception {
        try (AnonymousIdentities ids = AnonymousIdentities.create(180, false)) {
            Deidentifier engine = DeidentifierFactory.createAnonymizing("p", Engines.profile("anonymize"), ids);
            AttributeList first = stageOneObject("20190304", "1.2.3.4.1");
            AttributeList second = stageOneObject("20190904", "1.2.3.4.2");
            DeidentifiedInstance a = engine.deidentify(first);
            DeidentifiedInstance b = engine.deidentify(second);
            assertEquals(a.pseudonym(), b.pseudonym());
            assertTrue(a.pseudonym().startsWith("ANON-"), a.pseudonym());
            assertEquals(a.pseudonym(), text(first, TagFromName.PatientID));
            assertEquals(a.pseudonym(), text(first, TagFromName.PatientName));
            LocalDate d1 = date(text(first, TagFromName.StudyDate));
            LocalDate d2 = date(text(second, TagFromName.StudyDate));
            assertEquals(ChronoUnit.DAYS.between(date("20190304"), date("20190904")), ChronoUnit.DAYS.between(d1, d2));
            int offset = (int) ChronoUnit.DAYS.between(date("20190304"), d1);
            assertTrue(offset != 0 && Math.abs(offset) <= 180, "offset " + offset);
            assertEquals(date("19650412").plusDays(offset), date(text(first, TagFromName.PatientBirthDate)));
            assertTrue(a.studyInstanceUid().startsWith("2.25."));
            assertEquals("MODIFIED", text(first, TagFromName.LongitudinalTemporalInformationModified));
            List<String> codes = methodCodes(first);
            assertTrue(codes.contains("113107"), codes.toString());
            assertFalse(codes.contains("113106"), codes.toString());
        }
    }

    @Test
    void theStageOnePseudonymAndTheRealDatesLeaveKeptText() throws Exception {
        try (AnonymousIdentities ids = AnonymousIdentities.create(180, false)) {
            Deidentifier engine = DeidentifierFactory.createAnonymizing("p", Engines.profile("anonymize"), ids);
            AttributeList dataset = stageOneObject("20190304", "1.2.3.4.1");
            put(dataset, new LongStringAttribute(TagFromName.StudyDescription),
                    "CT thorax " + STAGE_ONE_ID + " prior 20190304 and 04.03.2019");
            SequenceAttribute requests = new SequenceAttribute(TagFromName.RequestAttributesSequence);
            AttributeList request = new AttributeList();
            put(request, new LongStringAttribute(TagFromName.RequestedProcedureDescription),
                    "follow-up of " + STAGE_ONE_ID);
            requests.addItem(request);
            dataset.put(requests);

            engine.deidentify(dataset);

            String description = text(dataset, TagFromName.StudyDescription);
            assertTrue(description.startsWith("CT thorax"), description);
            assertFalse(description.contains(STAGE_ONE_ID), description);
            assertFalse(description.contains("20190304") || description.contains("2019"), description);
            String requested = text(((SequenceAttribute) dataset.get(TagFromName.RequestAttributesSequence))
                    .getItem(0).getAttributeList(), TagFromName.RequestedProcedureDescription);
            assertTrue(requested.startsWith("follow-up of"), requested);
            assertFalse(requested.contains(STAGE_ONE_ID), requested);
        }
    }

    /** A CT as stage one writes it: the stage-one pseudonym as Patient ID and Name, full dates. */
    private static AttributeList stageOneObject(String studyDate, String studyUid) throws Exception {
        AttributeList dataset = TableE11ConformanceTest.read(Files.readAllBytes(TestData.pydicom("CT_small.dcm")));
        put(dataset, new LongStringAttribute(TagFromName.PatientID), STAGE_ONE_ID);
        put(dataset, new PersonNameAttribute(TagFromName.PatientName), STAGE_ONE_ID);
        put(dataset, new DateAttribute(TagFromName.PatientBirthDate), "19650412");
        put(dataset, new DateAttribute(TagFromName.StudyDate), studyDate);
        put(dataset, new UniqueIdentifierAttribute(TagFromName.StudyInstanceUID), studyUid);
        put(dataset, new UniqueIdentifierAttribute(TagFromName.SOPInstanceUID), studyUid + ".1");
        return dataset;
    }

    private static List<String> methodCodes(AttributeList dataset) {
        List<String> codes = new ArrayList<>();
        SequenceAttribute s = (SequenceAttribute) dataset.get(TagFromName.DeidentificationMethodCodeSequence);
        for (int i = 0; i < s.getNumberOfItems(); i++) {
            codes.add(text(s.getItem(i).getAttributeList(), TagFromName.CodeValue));
        }
        return codes;
    }

    private static LocalDate date(String da) {
        return LocalDate.parse(da, DateTimeFormatter.BASIC_ISO_DATE);
    }

    private static void put(AttributeList list, Attribute attribute, String value) throws DicomException {
        attribute.addValue(value);
        list.put(attribute);
    }

    private static String text(AttributeList list, AttributeTag tag) {
        return Attribute.getSingleStringValueOrEmptyString(list, tag).trim();
    }
}
