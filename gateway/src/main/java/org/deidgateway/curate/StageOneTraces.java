package org.deidgateway.curate;

import com.pixelmed.dicom.Attribute;
import com.pixelmed.dicom.AttributeList;
import com.pixelmed.dicom.DicomException;
import com.pixelmed.dicom.SequenceAttribute;
import org.deidgateway.deid.OriginalDates;

import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * The last check of a released object before it may leave: the stage-one pseudonym must not occur
 * in any value, and no full date of the stage-one copy may be left in a date or text value. A hit
 * stops the release of the whole case; the answer names the attribute, never its value.
 */
public final class StageOneTraces {

    private StageOneTraces() {
    }

    /** The real full dates of a stage-one copy, to look for after its anonymization. */
    public static Set<String> fullDates(AttributeList dataset) {
        return OriginalDates.collect(dataset);
    }

    /** Where the stage-one pseudonym or an original date still occurs, as "(gggg,eeee) VR"; empty when nowhere. */
    public static Optional<String> find(AttributeList released, String pseudonym, Set<String> originalDates) {
        String needle = pseudonym.toUpperCase(Locale.ROOT);
        String[] hit = new String[1];
        walk(released, (attribute, vr, value) -> {
            if (value.toUpperCase(Locale.ROOT).contains(needle)) {
                hit[0] = attribute.getTag() + " " + vr + " holds the stage-one pseudonym";
            } else if (!"UI".equals(vr) && originalDates.stream().anyMatch(value::contains)) {
                hit[0] = attribute.getTag() + " " + vr + " holds an original date";
            }
            return hit[0] != null;
        });
        return Optional.ofNullable(hit[0]);
    }

    private interface Visitor {
        /** Returns true to stop the walk. */
        boolean value(Attribute attribute, String vr, String value);
    }

    private static boolean walk(AttributeList list, Visitor visitor) {
        for (Object o : list.values()) {
            Attribute attribute = (Attribute) o;
            if (attribute instanceof SequenceAttribute sequence) {
                for (int i = 0; i < sequence.getNumberOfItems(); i++) {
                    if (walk(sequence.getItem(i).getAttributeList(), visitor)) {
                        return true;
                    }
                }
                continue;
            }
            String vr = attribute.getVRAsString();
            if (!isText(vr)) {
                continue;
            }
            String[] values;
            try {
                values = attribute.getStringValues();
            } catch (DicomException e) {
                continue;
            }
            if (values == null) {
                continue;
            }
            for (String value : values) {
                if (value != null && visitor.value(attribute, vr, value)) {
                    return true;
                }
            }
        }
        return false;
    }

    private static boolean isText(String vr) {
        return switch (vr) {
            case "AE", "AS", "CS", "DA", "DT", "LO", "LT", "PN", "SH", "ST", "TM", "UC", "UI", "UR", "UT" -> true;
            default -> false;
        };
    }
}
