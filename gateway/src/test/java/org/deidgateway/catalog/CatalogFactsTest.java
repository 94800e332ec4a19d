package org.deidgateway.catalog;

import com.pixelmed.dicom.AttributeList;
import com.pixelmed.dicom.AttributeTag;
import com.pixelmed.dicom.CodedSequenceItem;
import com.pixelmed.dicom.SequenceAttribute;
import com.pixelmed.dicom.TagFromName;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Facts read from a de-identified copy; what the profile removed or made a dummy is unknown, not a value. */
class CatalogFactsTest {

    @Test
    void readsTheCopysDescriptiveAttributes() throws Exception {
        AttributeList copy = list(TagFromName.Modality, "mr", TagFromName.BodyPartExamined, "knee",
                TagFromName.Manufacturer, "ACME", TagFromName.ManufacturerModelName, "Magnet 3",
                TagFromName.SliceThickness, "2.5", TagFromName.PatientSex, "F", TagFromName.PatientAge, "047Y",
                TagFromName.StudyDate, "20190304", TagFromName.ContrastBolusAgent, "Gadolinium",
                TagFromName.SOPClassUID, "1.2.840.10008.5.1.4.1.1.4");
        put(copy, new AttributeTag(0x0018, 0x0087), "2.89");
        put(copy, TagFromName.ImageType, "ORIGINAL\\PRIMARY");
        CatalogFacts f = CatalogFacts.of(copy);
        assertEquals("MR", f.modality());
        assertEquals("KNEE", f.bodyPart());
        assertEquals("3 T", f.fieldStrength());
        assertEquals(2.5, f.sliceThickness());
        assertTrue(f.contrast());
        assertEquals("F", f.sex());
        assertEquals("40-49", f.ageBand());
        assertEquals("2019", f.studyYear());
        assertEquals(CatalogFacts.ORIGINAL, f.datasetType());
    }

    @Test
    void theProfilesDummiesAndRemovedValuesAreUnknown() throws Exception {
        AttributeList copy = list(TagFromName.PatientAge, "000Y", TagFromName.StudyDate, "19000101",
                TagFromName.PatientBirthDate, "19000101", TagFromName.Manufacturer, "ANONYMIZED", TagFromName.PatientSex, "");
        CatalogFacts f = CatalogFacts.of(copy);
        assertEquals("", f.ageBand());
        assertEquals("", f.studyYear());
        assertEquals("", f.manufacturer());
        assertEquals("", f.sex());
        assertFalse(f.contrast());
    }

    @Test
    void ageFromBirthAndStudyDateAndBodyPartFromTheAnatomicRegionCode() throws Exception {
        AttributeList copy = list(TagFromName.PatientBirthDate, "19600615", TagFromName.StudyDate, "20200614",
                TagFromName.SOPClassUID, "1.2.840.10008.5.1.4.1.1.66.4");
        SequenceAttribute region = new SequenceAttribute(TagFromName.AnatomicRegionSequence);
        region.addItem(new CodedSequenceItem("T-D3000", "SRT", "Chest").getAttributeList());
        copy.put(region);
        CatalogFacts f = CatalogFacts.of(copy);
        assertEquals("50-59", f.ageBand(), "a day before the 60th birthday");
        assertEquals("CHEST", f.bodyPart());
        assertEquals(CatalogFacts.ANNOTATION, f.datasetType());
        assertEquals("segmentation", f.imageAnalysis());
        assertEquals("90+", CatalogFacts.ageBand(list(TagFromName.PatientAge, "093Y")));
        assertEquals("0-9", CatalogFacts.ageBand(list(TagFromName.PatientAge, "010M")));
    }

    private static AttributeList list(Object... tagsAndValues) throws Exception {
        AttributeList l = new AttributeList();
        for (int i = 0; i < tagsAndValues.length; i += 2) {
            put(l, (AttributeTag) tagsAndValues[i], (String) tagsAndValues[i + 1]);
        }
        return l;
    }

    private static void put(AttributeList l, AttributeTag tag, String value) throws Exception {
        var a = l.putNewAttribute(tag);
        for (String v : value.split("\\\\", -1)) {
            if (!v.isEmpty()) {
                a.addValue(v);
            }
        }
    }
}
