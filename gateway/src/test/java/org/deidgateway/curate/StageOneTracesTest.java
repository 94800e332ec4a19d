package org.deidgateway.curate;

import com.pixelmed.dicom.AttributeList;
import com.pixelmed.dicom.DateAttribute;
import com.pixelmed.dicom.LongStringAttribute;
import com.pixelmed.dicom.SequenceAttribute;
import com.pixelmed.dicom.TagFromName;
import com.pixelmed.dicom.UniqueIdentifierAttribute;
import org.junit.jupiter.api.Test;

import java.util.Optional;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StageOneTracesTest {

    @Test
    void findsThePseudonymAndOriginalDatesAtAnyDepthButNotInUids() throws Exception {
        AttributeList top = new AttributeList();
        DateAttribute study = new DateAttribute(TagFromName.StudyDate);
        study.addValue("20200301");
        top.put(study);
        assertEquals(Set.of("20200301"), StageOneTraces.fullDates(top));

        AttributeList clean = new AttributeList();
        UniqueIdentifierAttribute uid = new UniqueIdentifierAttribute(TagFromName.StudyInstanceUID);
        uid.addValue("2.25.1202003019");
        clean.put(uid);
        assertEquals(Optional.empty(), StageOneTraces.find(clean, "LUNG-ABC", Set.of("20200301")));

        AttributeList item = new AttributeList();
        LongStringAttribute text = new LongStringAttribute(TagFromName.StudyDescription);
        text.addValue("for lung-abc review");
        item.put(text);
        SequenceAttribute sequence = new SequenceAttribute(TagFromName.ReferencedStudySequence);
        sequence.addItem(item);
        clean.put(sequence);
        assertTrue(StageOneTraces.find(clean, "LUNG-ABC", Set.of()).orElseThrow().contains("stage-one pseudonym"));

        AttributeList dated = new AttributeList();
        DateAttribute content = new DateAttribute(TagFromName.ContentDate);
        content.addValue("20200301");
        dated.put(content);
        assertTrue(StageOneTraces.find(dated, "LUNG-ABC", Set.of("20200301")).orElseThrow().contains("original date"));
    }
}
