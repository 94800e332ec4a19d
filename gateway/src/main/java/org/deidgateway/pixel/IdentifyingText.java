package org.deidgateway.pixel;

import com.pixelmed.dicom.Attribute;
import com.pixelmed.dicom.AttributeList;
import com.pixelmed.dicom.AttributeTag;
import com.pixelmed.dicom.DicomException;
import com.pixelmed.dicom.SequenceAttribute;
import com.pixelmed.dicom.TagFromName;
import org.deidgateway.deid.TextCleaner;

import java.util.List;

/**
 * The identifying strings of a header without a profile at hand (the quarantine preview): every
 * person name, the usual identifiers and places, and every date. The pipeline uses the engine's
 * own collection instead ({@code Deidentifier.identifyingStrings}), which follows the profile.
 */
final class IdentifyingText {

    private static final List<AttributeTag> IDENTIFIERS = List.of(TagFromName.PatientID, TagFromName.OtherPatientIDs,
            TagFromName.AccessionNumber, TagFromName.InstitutionName, TagFromName.InstitutionAddress,
            TagFromName.StationName, TagFromName.StudyID, TagFromName.MedicalRecordLocator);

    private IdentifyingText() {
    }

    static TextCleaner of(AttributeList dataset) {
        TextCleaner.Builder builder = new TextCleaner.Builder();
        walk(dataset, builder);
        for (AttributeTag tag : IDENTIFIERS) {
            String value = Attribute.getSingleStringValueOrEmptyString(dataset, tag).trim();
            if (!value.isEmpty()) {
                builder.identifier(value);
            }
        }
        builder.birthDate(Attribute.getSingleStringValueOrEmptyString(dataset, TagFromName.PatientBirthDate).trim());
        return builder.build();
    }

    private static void walk(AttributeList list, TextCleaner.Builder builder) {
        for (Object o : list.values()) {
            Attribute attribute = (Attribute) o;
            if (attribute instanceof SequenceAttribute sequence) {
                for (int i = 0; i < sequence.getNumberOfItems(); i++) {
                    walk(sequence.getItem(i).getAttributeList(), builder);
                }
                continue;
            }
            String vr = attribute.getVRAsString();
            try {
                String[] values = attribute.getStringValues();
                if (values == null) {
                    continue;
                }
                for (String v : values) {
                    if ("PN".equals(vr)) {
                        builder.personName(v);
                    } else if ("DA".equals(vr)) {
                        builder.date(v);
                    }
                }
            } catch (DicomException e) {
                // an undecodable value cannot be looked for in the pixels either
            }
        }
    }
}
