package org.deidgateway.deid;

import com.pixelmed.dicom.Attribute;
import com.pixelmed.dicom.AttributeList;
import com.pixelmed.dicom.AttributeTag;
import com.pixelmed.dicom.DicomException;
import com.pixelmed.dicom.SequenceAttribute;
import com.pixelmed.dicom.TagFromName;
import org.deidgateway.profile.Action;
import org.deidgateway.profile.ProfileRules;
import org.deidgateway.profile.ProfileRules.Context;
import org.deidgateway.profile.TableRow;

import java.util.Locale;
import java.util.Set;

/**
 * Gathers, from the original object, the strings that identify its patient and the people and
 * places around it: the values of every text attribute the profile does not keep verbatim (names,
 * IDs, addresses, phone numbers, institution and station names...), every person name anywhere,
 * the birth date, and, where dates are shifted, every date of the object. Which attributes count
 * is decided by the profile, so the list follows Table E.1-1 rather than a list typed here.
 */
final class IdentifyingStrings {

    private static final Set<String> TEXT_VRS = Set.of("LO", "SH", "LT", "ST", "UT", "UC", "CS", "AE");
    private static final Set<Action> RETAINED = Set.of(Action.KEEP, Action.CLEAN, Action.KEEP_REMAP_UIDS, Action.REMAP_UID);

    private IdentifyingStrings() {
    }

    /** @param realDates the object's own full dates, where dates are shifted ({@link OriginalDates#collect}); else empty */
    static TextCleaner collect(AttributeList dataset, ProfileRules rules, Set<String> realDates) {
        TextCleaner.Builder builder = new TextCleaner.Builder();
        builder.birthDate(Attribute.getSingleStringValueOrEmptyString(dataset, TagFromName.PatientBirthDate));
        realDates.forEach(builder::date);
        walk(dataset, rules, builder);
        return builder.build();
    }

    private static void walk(AttributeList list, ProfileRules rules, TextCleaner.Builder builder) {
        for (Attribute attribute : list.values()) {
            AttributeTag tag = attribute.getTag();
            String vr = attribute.getVRAsString();
            if (attribute instanceof SequenceAttribute sequence) {
                for (int i = 0; i < sequence.getNumberOfItems(); i++) {
                    walk(sequence.getItem(i).getAttributeList(), rules, builder);
                }
                continue;
            }
            try {
                if ("PN".equals(vr)) {
                    for (String name : values(attribute)) {
                        builder.personName(name);
                    }
                    continue;
                }
                if (tag.isPrivate() || !TEXT_VRS.contains(vr)) {
                    continue;
                }
                int t = Deidentifier.tagOf(tag);
                Action action = rules.decide(t, vr, Context.TOP_LEVEL).action();
                if (RETAINED.contains(action)) {
                    continue;
                }
                boolean multiPart = rules.table().rowFor(t).map(TableRow::name)
                        .map(n -> n.toLowerCase(Locale.ROOT)).filter(n -> n.contains("address")).isPresent();
                for (String value : values(attribute)) {
                    if (multiPart) {
                        builder.address(value);
                    } else {
                        builder.identifier(value);
                    }
                }
            } catch (DicomException e) {
                // A value PixelMed cannot decode cannot be searched for either; the attribute itself
                // is still removed or replaced by its own rule.
            }
        }
    }

    private static String[] values(Attribute attribute) throws DicomException {
        String[] values = attribute.getStringValues();
        return values == null ? new String[0] : values;
    }
}
