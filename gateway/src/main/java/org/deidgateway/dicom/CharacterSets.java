package org.deidgateway.dicom;

import com.pixelmed.dicom.Attribute;
import com.pixelmed.dicom.AttributeList;
import com.pixelmed.dicom.AttributeTag;
import com.pixelmed.dicom.CodeStringAttribute;
import com.pixelmed.dicom.DicomException;
import com.pixelmed.dicom.LongTextAttribute;
import com.pixelmed.dicom.SequenceAttribute;
import com.pixelmed.dicom.ShortTextAttribute;
import com.pixelmed.dicom.SpecificCharacterSet;
import com.pixelmed.dicom.TagFromName;
import com.pixelmed.dicom.TextAttribute;
import com.pixelmed.dicom.UnlimitedTextAttribute;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * PixelMed decodes the ISO 2022 multi-byte character sets (Japanese IR 87 and 159, Korean IR 149,
 * Chinese IR 58) correctly but cannot encode them: written back, every such character becomes
 * '?'. Datasets using them are converted to UTF-8 (ISO_IR 192) after reading, so that names and
 * text come out intact. Every string attribute carries its own character set in PixelMed, so the
 * conversion touches each one, in every sequence item.
 */
public final class CharacterSets {

    static final String UTF8_TERM = "ISO_IR 192";
    private static final Pattern NOT_ENCODABLE = Pattern.compile("ISO 2022 IR (87|159|149|58)");

    private CharacterSets() {
    }

    /** Whether the dataset, or any item in it, declares a character set PixelMed cannot write. */
    public static boolean needsUtf8(AttributeList list) {
        for (Attribute attribute : list.values()) {
            if (attribute.getTag().equals(TagFromName.SpecificCharacterSet)) {
                for (String term : values(attribute)) {
                    if (NOT_ENCODABLE.matcher(term.toUpperCase(Locale.ROOT)).find()) {
                        return true;
                    }
                }
            } else if (attribute instanceof SequenceAttribute sequence) {
                for (int i = 0; i < sequence.getNumberOfItems(); i++) {
                    if (needsUtf8(sequence.getItem(i).getAttributeList())) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    /** Re-encodes every string value of the dataset as UTF-8 and declares ISO_IR 192. */
    public static void convertToUtf8(AttributeList list) throws DicomException {
        SpecificCharacterSet utf8 = new SpecificCharacterSet(new String[] {UTF8_TERM});
        // PN, LO, SH and UC, recursively; the text VRs (LT, ST, UT) have no setter and are rebuilt below.
        list.setSpecificCharacterSet(utf8);
        rebuildText(list, utf8, true);
    }

    private static void rebuildText(AttributeList list, SpecificCharacterSet utf8, boolean topLevel) throws DicomException {
        List<Attribute> replacements = new ArrayList<>();
        for (Attribute attribute : list.values()) {
            if (attribute instanceof TextAttribute text) {
                Attribute rebuilt = newText(text.getTag(), text.getVRAsString(), utf8);
                String[] values = text.getStringValues();
                if (values != null) {
                    for (String value : values) {
                        rebuilt.addValue(value);
                    }
                }
                replacements.add(rebuilt);
            } else if (attribute instanceof SequenceAttribute sequence) {
                for (int i = 0; i < sequence.getNumberOfItems(); i++) {
                    rebuildText(sequence.getItem(i).getAttributeList(), utf8, false);
                }
            }
        }
        for (Attribute rebuilt : replacements) {
            list.put(rebuilt);
        }
        // Items that declared their own character set now declare UTF-8 too.
        if (topLevel || list.get(TagFromName.SpecificCharacterSet) != null) {
            CodeStringAttribute declared = new CodeStringAttribute(TagFromName.SpecificCharacterSet);
            declared.addValue(UTF8_TERM);
            list.put(declared);
        }
    }

    private static Attribute newText(AttributeTag tag, String vr, SpecificCharacterSet utf8) {
        return switch (vr) {
            case "ST" -> new ShortTextAttribute(tag, utf8);
            case "UT" -> new UnlimitedTextAttribute(tag, utf8);
            default -> new LongTextAttribute(tag, utf8);
        };
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
