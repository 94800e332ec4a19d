package org.deidgateway.catalog;

import com.pixelmed.dicom.Attribute;
import com.pixelmed.dicom.AttributeList;
import com.pixelmed.dicom.AttributeTag;
import com.pixelmed.dicom.SequenceAttribute;
import com.pixelmed.dicom.SequenceItem;
import com.pixelmed.dicom.TagFromName;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What one de-identified instance adds to its project's catalog. Read from the copy the profile
 * made, so a fact the profile removed (a sex, an age, a date) is unknown here too. Empty strings
 * mean unknown. The four identifiers are only counted: the store keeps salted hashes of them.
 */
public record CatalogFacts(String patient, String study, String series, String instance,
                           String modality, String bodyPart, String datasetType, String imageAnalysis,
                           String sopClass, String manufacturer, String model, String fieldStrength,
                           double sliceThickness, boolean contrast, String sex, String ageBand, String studyYear) {

    /** Dataset types (docs/catalog.md says how each is told from the data). */
    public static final String ORIGINAL = "original";
    public static final String DERIVED = "derived";
    public static final String ANNOTATION = "annotation";
    public static final String REGISTRATION = "registration";

    /** (0018,0087), which PixelMed's TagFromName does not name. */
    private static final AttributeTag MAGNETIC_FIELD_STRENGTH = new AttributeTag(0x0018, 0x0087);

    private static final Pattern AGE = Pattern.compile("(\\d{3})([DWMY])");
    private static final Pattern DATE = Pattern.compile("(\\d{4})(\\d{2})(\\d{2})");

    public static CatalogFacts of(AttributeList copy) {
        String sopClass = text(copy, TagFromName.SOPClassUID);
        return new CatalogFacts(text(copy, TagFromName.PatientID), text(copy, TagFromName.StudyInstanceUID),
                text(copy, TagFromName.SeriesInstanceUID), text(copy, TagFromName.SOPInstanceUID),
                described(copy, TagFromName.Modality).toUpperCase(Locale.ROOT), bodyPart(copy), datasetType(copy, sopClass),
                imageAnalysis(sopClass), sopClass, described(copy, TagFromName.Manufacturer),
                described(copy, TagFromName.ManufacturerModelName),
                fieldStrength(copy), number(copy, TagFromName.SliceThickness), contrast(copy), sex(copy), ageBand(copy),
                studyYear(copy));
    }

    /** Body Part Examined, else the first Anatomic Region code's meaning, upper case as Body Part Examined is. */
    static String bodyPart(AttributeList copy) {
        String examined = described(copy, TagFromName.BodyPartExamined).toUpperCase(Locale.ROOT);
        if (!examined.isEmpty()) {
            return examined;
        }
        Attribute region = copy.get(TagFromName.AnatomicRegionSequence);
        if (region instanceof SequenceAttribute sequence && sequence.getNumberOfItems() > 0) {
            SequenceItem item = sequence.getItem(0);
            return described(item.getAttributeList(), TagFromName.CodeMeaning).toUpperCase(Locale.ROOT);
        }
        return "";
    }

    /**
     * Annotations (segmentations, structure sets, measurement reports) and registrations by their
     * SOP class; images by Image Type's first value, ORIGINAL or DERIVED.
     */
    static String datasetType(AttributeList copy, String sopClass) {
        if (!imageAnalysis(sopClass).isEmpty()) {
            return ANNOTATION;
        }
        if (sopClass.startsWith("1.2.840.10008.5.1.4.1.1.66.1") || sopClass.equals("1.2.840.10008.5.1.4.1.1.66.3")) {
            return REGISTRATION;
        }
        Attribute imageType = copy.get(TagFromName.ImageType);
        String first = imageType == null ? "" : first(imageType).toUpperCase(Locale.ROOT);
        return first.equals("DERIVED") ? DERIVED : first.equals("ORIGINAL") ? ORIGINAL : "";
    }

    /** What kind of analysis result an object is, by its SOP class; empty for images and the rest. */
    static String imageAnalysis(String sopClass) {
        return switch (sopClass) {
            case "1.2.840.10008.5.1.4.1.1.66.4" -> "segmentation";
            case "1.2.840.10008.5.1.4.1.1.66.7" -> "label map segmentation";
            case "1.2.840.10008.5.1.4.1.1.481.3" -> "RT structure set";
            case "1.2.840.10008.5.1.4.1.1.88.22", "1.2.840.10008.5.1.4.1.1.88.33", "1.2.840.10008.5.1.4.1.1.88.34" ->
                    "structured report";
            case "1.2.840.10008.5.1.4.1.1.11.1" -> "presentation state";
            default -> "";
        };
    }

    static String fieldStrength(AttributeList copy) {
        double tesla = number(copy, MAGNETIC_FIELD_STRENGTH);
        if (Double.isNaN(tesla) || tesla <= 0 || tesla > 20) {
            return "";
        }
        // nominal strengths, as researchers ask for them: 1.494 T is a 1.5 T scanner
        double nominal = Math.round(tesla * 2) / 2.0;
        return (nominal == Math.rint(nominal) ? String.valueOf((long) nominal) : String.valueOf(nominal)) + " T";
    }

    static boolean contrast(AttributeList copy) {
        if (!text(copy, TagFromName.ContrastBolusAgent).isEmpty()) {
            return true;
        }
        Attribute sequence = copy.get(TagFromName.ContrastBolusAgentSequence);
        return sequence instanceof SequenceAttribute s && s.getNumberOfItems() > 0;
    }

    static String sex(AttributeList copy) {
        String sex = text(copy, TagFromName.PatientSex).toUpperCase(Locale.ROOT);
        return switch (sex) {
            case "F", "M", "O" -> sex;
            default -> "";
        };
    }

    /** Ten-year bands of the age at the study: Patient's Age, else Birth Date against Study Date. */
    static String ageBand(AttributeList copy) {
        int years = -1;
        Matcher age = AGE.matcher(text(copy, TagFromName.PatientAge));
        // 000Y is the profile's dummy age (a real infant's age is given in days, weeks or months)
        if (age.matches() && !age.group().equals("000Y")) {
            int n = Integer.parseInt(age.group(1));
            years = age.group(2).equals("Y") ? n : age.group(2).equals("M") ? n / 12 : age.group(2).equals("W") ? n / 52 : n / 365;
        } else {
            Matcher born = DATE.matcher(text(copy, TagFromName.PatientBirthDate));
            Matcher studied = DATE.matcher(text(copy, TagFromName.StudyDate));
            if (born.matches() && studied.matches() && !born.group(1).equals(DUMMY_YEAR) && !studied.group(1).equals(DUMMY_YEAR)) {
                years = Integer.parseInt(studied.group(1)) - Integer.parseInt(born.group(1));
                if (studied.group(2).concat(studied.group(3)).compareTo(born.group(2).concat(born.group(3))) < 0) {
                    years--;
                }
            }
        }
        if (years < 0 || years > 130) {
            return "";
        }
        return years >= 90 ? "90+" : (years / 10 * 10) + "-" + (years / 10 * 10 + 9);
    }

    static String studyYear(AttributeList copy) {
        Matcher date = DATE.matcher(text(copy, TagFromName.StudyDate));
        return date.matches() && !date.group(1).equals(DUMMY_YEAR) ? date.group(1) : "";
    }

    /** The year of the profile's dummy date (19000101), never a year of the collection. */
    private static final String DUMMY_YEAR = "1900";
    /** The profile's dummy text, which describes nothing. */
    private static final String DUMMY_TEXT = "ANONYMIZED";

    private static String described(AttributeList list, AttributeTag tag) {
        String value = text(list, tag);
        return value.equalsIgnoreCase(DUMMY_TEXT) ? "" : value;
    }

    private static String text(AttributeList list, AttributeTag tag) {
        return Attribute.getSingleStringValueOrEmptyString(list, tag).trim();
    }

    private static String first(Attribute attribute) {
        try {
            String[] values = attribute.getStringValues();
            return values == null || values.length == 0 ? "" : values[0].trim();
        } catch (com.pixelmed.dicom.DicomException e) {
            return "";
        }
    }

    private static double number(AttributeList list, AttributeTag tag) {
        try {
            return Double.parseDouble(text(list, tag));
        } catch (NumberFormatException e) {
            return Double.NaN;
        }
    }
}
