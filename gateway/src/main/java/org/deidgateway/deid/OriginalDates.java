package org.deidgateway.deid;

import com.pixelmed.dicom.Attribute;
import com.pixelmed.dicom.AttributeList;
import com.pixelmed.dicom.DicomException;
import com.pixelmed.dicom.SequenceAttribute;

import java.time.LocalDate;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * The real calendar dates an object carries (every full DA value and DT date part, at any depth),
 * and their removal from text the profile keeps verbatim. Shifting moves the date attributes; a
 * date copied into a text attribute that no Table E.1-1 row cleans would otherwise leave with the
 * anonymized object.
 */
public final class OriginalDates {

    private static final Set<String> TEXT_VRS = Set.of("LO", "SH", "LT", "ST", "UT", "UC");

    private OriginalDates() {
    }

    /** The valid full dates (YYYYMMDD) in DA and DT values, at any depth. */
    public static Set<String> collect(AttributeList dataset) {
        Set<String> dates = new TreeSet<>();
        visit(dataset, (attribute, vr) -> {
            if (!"DA".equals(vr) && !"DT".equals(vr)) {
                return;
            }
            for (String value : values(attribute)) {
                // the ACR-NEMA form YYYY.MM.DD is a full date too
                String v = value.trim().matches("\\d{4}\\.\\d{2}\\.\\d{2}") ? value.trim().replace(".", "") : value.trim();
                if (v.length() >= 8 && isDate(v.substring(0, 8))) {
                    dates.add(v.substring(0, 8));
                }
            }
        });
        return dates;
    }

    /**
     * Replaces each date, in the spellings the free-text cleaner knows ({@link TextCleaner#dateSpellings}),
     * in every text value, also inside longer tokens (a kernel named K20200115); returns how many
     * values changed.
     */
    static int scrubFromText(AttributeList dataset, Set<String> dates) {
        if (dates.isEmpty()) {
            return 0;
        }
        List<String> spellings = new ArrayList<>();
        for (String d : dates) {
            spellings.addAll(TextCleaner.dateSpellings(d));
        }
        // longest first, so that 15.01.2020 goes whole rather than as 15.01.20 and a stray "20"
        spellings.sort(java.util.Comparator.comparingInt(String::length).reversed());
        Pattern any = Pattern.compile(String.join("|", spellings.stream().map(Pattern::quote).toList()));
        int[] changed = {0};
        visit(dataset, (attribute, vr) -> {
            if (!TEXT_VRS.contains(vr)) {
                return;
            }
            String[] values = values(attribute);
            boolean hit = false;
            String[] cleaned = new String[values.length];
            for (int i = 0; i < values.length; i++) {
                cleaned[i] = any.matcher(values[i]).replaceAll(TextCleaner.REPLACEMENT);
                hit |= !cleaned[i].equals(values[i]);
            }
            if (hit) {
                attribute.removeValues();
                for (String value : cleaned) {
                    attribute.addValue(value);
                }
                changed[0]++;
            }
        });
        return changed[0];
    }

    private static boolean isDate(String digits) {
        try {
            LocalDate.parse(digits, DateTimeFormatter.BASIC_ISO_DATE);
            return true;
        } catch (DateTimeParseException e) {
            return false;
        }
    }

    private interface Visitor {
        void attribute(Attribute attribute, String vr) throws DicomException;
    }

    private static void visit(AttributeList list, Visitor visitor) {
        for (Object o : list.values()) {
            Attribute attribute = (Attribute) o;
            if (attribute instanceof SequenceAttribute sequence) {
                for (int i = 0; i < sequence.getNumberOfItems(); i++) {
                    visit(sequence.getItem(i).getAttributeList(), visitor);
                }
                continue;
            }
            try {
                visitor.attribute(attribute, attribute.getVRAsString());
            } catch (DicomException e) {
                // a value PixelMed cannot decode or encode is left to the attribute's own rule
            }
        }
    }

    private static String[] values(Attribute attribute) {
        try {
            String[] values = attribute.getStringValues();
            return values == null ? new String[0] : values;
        } catch (DicomException e) {
            return new String[0];
        }
    }
}
