package org.deidgateway.deid;

import com.pixelmed.dicom.Attribute;
import com.pixelmed.dicom.AttributeList;
import com.pixelmed.dicom.AttributeTag;
import com.pixelmed.dicom.DateAttribute;
import com.pixelmed.dicom.DateTimeAttribute;
import com.pixelmed.dicom.DicomException;
import com.pixelmed.dicom.LongStringAttribute;
import com.pixelmed.dicom.SequenceAttribute;
import com.pixelmed.dicom.TagFromName;
import com.pixelmed.dicom.TimeAttribute;
import org.deidgateway.profile.ConfidentialityProfile;
import org.deidgateway.profile.ConfidentialityTable;
import org.deidgateway.profile.ProfileOption;
import org.deidgateway.profile.ProfileRules;
import org.deidgateway.profile.SafePrivateTable;
import org.deidgateway.pseudonym.PatientPseudonymizer;
import org.deidgateway.pseudonym.ProjectKeys;
import org.deidgateway.pseudonym.PseudonymScheme;
import org.deidgateway.pseudonym.UidRemapper;
import org.deidgateway.pseudonym.ValueHasher;
import org.deidgateway.testsupport.Engines;
import org.deidgateway.testsupport.TestData;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

class DateShifterTest {

    private static final DateShifter PLUS_10 = new DateShifter(10);
    private static final DateShifter MINUS_10 = new DateShifter(-10);

    @Test
    void fullDatesMoveAcrossMonthAndYearEnds() {
        assertEquals(Optional.of("20190314"), PLUS_10.shiftDate("20190304"));
        assertEquals(Optional.of("20200105"), PLUS_10.shiftDate("20191226"));
        assertEquals(Optional.of("20191222"), MINUS_10.shiftDate("20200101"));
        assertEquals(Optional.of("20190219"), MINUS_10.shiftDate("20190301"));
    }

    @Test
    void leapYearsAreCounted() {
        assertEquals(Optional.of("20210228"), new DateShifter(365).shiftDate("20200229"));
        assertEquals(Optional.of("20200229"), new DateShifter(1).shiftDate("20200228"));
        assertEquals(Optional.of("20190301"), new DateShifter(1).shiftDate("20190228"));
        assertEquals(Optional.of("20000229"), new DateShifter(-1).shiftDate("20000301"));
        assertEquals(Optional.of("19000301"), new DateShifter(1).shiftDate("19000228"), "1900 is no leap year");
        assertEquals(Optional.of("20190228"), new DateShifter(-366).shiftDate("20200229"));
    }

    @Test
    void legacyAcrNemaDatesAreWrittenBackAsDicomDates() {
        assertEquals(Optional.of("20190314"), PLUS_10.shiftDate("2019.03.04"));
    }

    @Test
    void paddingIsTrimmed() {
        assertEquals(Optional.of("20190314"), PLUS_10.shiftDate(" 20190304 "));
        assertEquals(Optional.of("20190314101010"), PLUS_10.shiftDateTime("20190304101010 "));
    }

    @Test
    void partialDatesKeepTheirPrecision() {
        assertEquals(Optional.of("2019"), PLUS_10.shiftDate("2019"), "read as 1 January, still 2019 after 10 days");
        assertEquals(Optional.of("2018"), MINUS_10.shiftDate("2019"), "1 January minus 10 days is in 2018");
        assertEquals(Optional.of("201903"), PLUS_10.shiftDate("201903"));
        assertEquals(Optional.of("201902"), MINUS_10.shiftDate("201903"));
        assertEquals(Optional.of("2019"), PLUS_10.shiftDateTime("2019"));
        assertEquals(Optional.of("201812"), MINUS_10.shiftDateTime("201901"));
        assertEquals(Optional.of("201901+0100"), PLUS_10.shiftDateTime("201901+0100"));
    }

    @Test
    void dateTimesMoveTheirDateOnly() {
        assertEquals(Optional.of("20190314101010"), PLUS_10.shiftDateTime("20190304101010"));
        assertEquals(Optional.of("20190314101010.123456"), PLUS_10.shiftDateTime("20190304101010.123456"));
        assertEquals(Optional.of("2019031410"), PLUS_10.shiftDateTime("2019030410"));
        assertEquals(Optional.of("201903141010"), PLUS_10.shiftDateTime("201903041010"));
        assertEquals(Optional.of("20200101235959.5"), PLUS_10.shiftDateTime("20191222235959.5"));
    }

    @Test
    void dateTimeTimeZonesAreKeptByteForByte() {
        assertEquals(Optional.of("20190314101010-0500"), PLUS_10.shiftDateTime("20190304101010-0500"));
        assertEquals(Optional.of("20190314101010.1+0530"), PLUS_10.shiftDateTime("20190304101010.1+0530"));
        assertEquals(Optional.of("20190314+1400"), PLUS_10.shiftDateTime("20190304+1400"));
        assertEquals(Optional.of("20190222235900-1200"), MINUS_10.shiftDateTime("20190304235900-1200"));
    }

    @Test
    void rangesMoveEachSide() {
        assertEquals(Optional.of("20190314-20190324"), PLUS_10.shiftDate("20190304-20190314"));
        assertEquals(Optional.of("-20190324"), PLUS_10.shiftDate("-20190314"));
        assertEquals(Optional.of("20190314-"), PLUS_10.shiftDate("20190304-"));
        assertEquals(Optional.of("20190314101010-0500-20190315"), PLUS_10.shiftDateTime("20190304101010-0500-20190305"));
        assertEquals(Optional.of("20190314-20190315"), PLUS_10.shiftDateTime("20190304-20190305"));
        assertEquals(Optional.empty(), PLUS_10.shiftDate("-"));
        assertEquals(Optional.empty(), PLUS_10.shiftDate("20190304-20190314-20190324"));
        assertEquals(Optional.empty(), PLUS_10.shiftDate("20190304-2019031x"));
    }

    @Test
    void valuesThatAreNoDatesAreRefused() {
        for (String bad : List.of("20190230", "20191301", "20190001", "20190100", "00000101", "0000", "2019031",
                "201903041", "2019-03-04", "ABCDEFGH", "", "   ", "20190304T", "19.03.2019", "2019.3.4")) {
            assertEquals(Optional.empty(), PLUS_10.shiftDate(bad), "DA '" + bad + "'");
        }
        for (String bad : List.of("20190230101010", "20190304251010", "20190304106010", "20190304101061",
                "201903041010101", "20190304101010.1234567", "20190304101010+1500", "20190304101010+12",
                "20190304101010+0160", "201903+01", "201903041", "0000", "20190304 101010", "now")) {
            assertEquals(Optional.empty(), PLUS_10.shiftDateTime(bad), "DT '" + bad + "'");
        }
        assertEquals(Optional.empty(), new DateShifter(-10).shiftDate("00010101"), "before year 1");
        assertEquals(Optional.empty(), new DateShifter(10).shiftDate("99991231"), "after year 9999");
    }

    @Test
    void multipleValuesMoveOneByOneAndBadOnesAreDropped() {
        assertEquals(List.of("20190314", "20200105"), PLUS_10.shiftAll("DA", new String[] {"20190304", "20191226"}));
        assertEquals(List.of("20190314"), PLUS_10.shiftAll("DA", new String[] {"20190230", "20190304"}));
        assertEquals(List.of("20190314101010+0100"), PLUS_10.shiftAll("DT", new String[] {"20190304101010+0100", "x"}));
        assertEquals(List.of(), PLUS_10.shiftAll("DA", new String[] {"nonsense"}));
    }

    // ---- through the engine, on a real dataset ----

    private static final int OFFSET = -45;
    /** Expiry Date (0014,1020), DA, not in Table E.1-1. */
    private static final AttributeTag EXPIRY_DATE = new AttributeTag(0x0014, 0x1020);

    /** The anonymize profile with a fixed offset instead of a random one, so results can be checked. */
    private static Deidentifier anonymizeShiftingBy(int days) throws Exception {
        ProjectKeys keys = new ProjectKeys("shift-test", TestData.secret(7));
        ProfileRules rules = new ProfileRules(Engines.profile("anonymize"), ConfidentialityTable.bundled(),
                SafePrivateTable.bundled());
        PseudonymScheme fixedId = patient -> "ANON-TEST";
        return new Deidentifier(rules, new PatientPseudonymizer("RUN", keys), fixedId, new UidRemapper(keys),
                new ValueHasher(keys), linkKey -> days);
    }

    private static AttributeList ct() throws Exception {
        return TableE11ConformanceTest.read(Files.readAllBytes(TestData.pydicom("CT_small.dcm")));
    }

    @Test
    void everyDateOfTheDatasetMovesByTheOffsetAtEveryDepth() throws Exception {
        AttributeList dataset = ct();
        put(dataset, new DateAttribute(TagFromName.StudyDate), "20190304");
        put(dataset, new DateAttribute(TagFromName.ContentDate), "2019.03.05");
        put(dataset, new DateAttribute(TagFromName.PatientBirthDate), "19650412");
        put(dataset, new DateTimeAttribute(TagFromName.AcquisitionDateTime), "20190304101010.5+0100");
        put(dataset, new TimeAttribute(TagFromName.StudyTime), "101010");
        // not in Table E.1-1: kept by the documented default, so it must move too
        put(dataset, new DateAttribute(EXPIRY_DATE), "20290304");
        // multi-valued, one of them partial
        DateAttribute calibration = new DateAttribute(TagFromName.DateOfLastCalibration);
        calibration.addValue("20190101");
        calibration.addValue("2018");
        dataset.put(calibration);
        // nested: a kept sequence inside a cleaned one
        SequenceAttribute requests = new SequenceAttribute(TagFromName.RequestAttributesSequence);
        AttributeList request = new AttributeList();
        put(request, new DateAttribute(TagFromName.ScheduledProcedureStepStartDate), "20190301");
        SequenceAttribute inner = new SequenceAttribute(TagFromName.ReferencedImageSequence);
        AttributeList innerItem = new AttributeList();
        put(innerItem, new DateTimeAttribute(TagFromName.FrameReferenceDateTime), "201903");
        inner.addItem(innerItem);
        request.put(inner);
        requests.addItem(request);
        dataset.put(requests);

        anonymizeShiftingBy(OFFSET).deidentify(dataset);

        assertEquals("20190118", value(dataset, TagFromName.StudyDate));
        assertEquals("20190119", value(dataset, TagFromName.ContentDate), "ACR-NEMA date shifted and rewritten");
        assertEquals("19650226", value(dataset, TagFromName.PatientBirthDate), "birth date shifted: ages stay right");
        assertEquals("20190118101010.5+0100", value(dataset, TagFromName.AcquisitionDateTime));
        assertEquals("101010", value(dataset, TagFromName.StudyTime), "times unchanged");
        assertEquals("20290118", value(dataset, EXPIRY_DATE), "an unlisted date kept is shifted as well");
        assertArrayEquals(new String[] {"20181117", "2017"}, dataset.get(TagFromName.DateOfLastCalibration).getStringValues());
        AttributeList requestOut = ((SequenceAttribute) dataset.get(TagFromName.RequestAttributesSequence))
                .getItem(0).getAttributeList();
        assertEquals("20190115", value(requestOut, TagFromName.ScheduledProcedureStepStartDate));
        AttributeList innerOut = ((SequenceAttribute) requestOut.get(TagFromName.ReferencedImageSequence))
                .getItem(0).getAttributeList();
        assertEquals("201901", value(innerOut, TagFromName.FrameReferenceDateTime), "partial DT keeps its precision");
        assertEquals("MODIFIED", value(dataset, TagFromName.LongitudinalTemporalInformationModified));
    }

    @Test
    void unparseableDatesAreRemovedAndEmptyOnesStay() throws Exception {
        AttributeList dataset = ct();
        put(dataset, new DateAttribute(TagFromName.StudyDate), "20190230");
        put(dataset, new DateAttribute(TagFromName.SeriesDate), "");
        DateAttribute mixed = new DateAttribute(TagFromName.DateOfLastCalibration);
        mixed.addValue("yesterday");
        mixed.addValue("20190304");
        dataset.put(mixed);
        SequenceAttribute requests = new SequenceAttribute(TagFromName.RequestAttributesSequence);
        AttributeList request = new AttributeList();
        put(request, new DateAttribute(TagFromName.ScheduledProcedureStepStartDate), "2019-03-01");
        requests.addItem(request);
        dataset.put(requests);

        anonymizeShiftingBy(OFFSET).deidentify(dataset);

        assertNull(dataset.get(TagFromName.StudyDate), "a date that is not on the calendar is removed");
        assertNotNull(dataset.get(TagFromName.SeriesDate), "an empty date stays");
        assertEquals("", value(dataset, TagFromName.SeriesDate));
        assertArrayEquals(new String[] {"20190118"}, dataset.get(TagFromName.DateOfLastCalibration).getStringValues());
        AttributeList requestOut = ((SequenceAttribute) dataset.get(TagFromName.RequestAttributesSequence))
                .getItem(0).getAttributeList();
        assertNull(requestOut.get(TagFromName.ScheduledProcedureStepStartDate), "removed inside an item too");
    }

    @Test
    void aRealDateCopiedIntoTextThatIsKeptVerbatimIsScrubbed() throws Exception {
        AttributeList dataset = ct();
        put(dataset, new DateAttribute(TagFromName.StudyDate), "20190304");
        // neither is in Table E.1-1, so both are kept as they are, and only this pass reaches them
        put(dataset, new LongStringAttribute(TagFromName.Manufacturer), "serviced 04.03.2019, ok");
        put(dataset, new com.pixelmed.dicom.ShortStringAttribute(TagFromName.ConvolutionKernel), "K20190304");

        anonymizeShiftingBy(OFFSET).deidentify(dataset);

        assertEquals("20190118", value(dataset, TagFromName.StudyDate));
        assertEquals("serviced ***, ok", value(dataset, TagFromName.Manufacturer));
        assertEquals("K***", value(dataset, TagFromName.ConvolutionKernel));
    }

    @Test
    void retainedPrivateDatesMoveToo() throws Exception {
        AttributeList dataset = ct();
        // (7053,xx00) is in Table E.3.10-1 for this creator; a private DA there is kept under
        // Retain Safe Private, so a profile with both options must shift it
        LongStringAttribute creator = new LongStringAttribute(new AttributeTag(0x7053, 0x0010));
        creator.addValue("Philips PET Private Group");
        dataset.put(creator);
        put(dataset, new DateAttribute(new AttributeTag(0x7053, 0x1000)), "20190304");
        ConfidentialityProfile base = Engines.profile("anonymize");
        Set<ProfileOption> options = EnumSet.copyOf(base.options());
        options.add(ProfileOption.RETAIN_SAFE_PRIVATE);
        ConfidentialityProfile profile = new ConfidentialityProfile("anon-private", "", options, base.overrides());
        ProjectKeys keys = new ProjectKeys("shift-test", TestData.secret(7));
        Deidentifier engine = new Deidentifier(new ProfileRules(profile, ConfidentialityTable.bundled(),
                SafePrivateTable.bundled()), new PatientPseudonymizer("RUN", keys), p -> "ANON-TEST",
                new UidRemapper(keys), new ValueHasher(keys), linkKey -> 3);

        engine.deidentify(dataset);

        assertEquals("20190307", value(dataset, new AttributeTag(0x7053, 0x1000)));
    }

    private static void put(AttributeList list, Attribute attribute, String value) throws DicomException {
        if (!value.isEmpty()) {
            attribute.addValue(value);
        }
        list.put(attribute);
    }

    private static String value(AttributeList list, AttributeTag tag) {
        return Attribute.getSingleStringValueOrEmptyString(list, tag);
    }
}
