package org.deidgateway.pixel;

import com.pixelmed.dicom.Attribute;
import com.pixelmed.dicom.AttributeList;
import com.pixelmed.dicom.AttributeTag;
import com.pixelmed.dicom.TagFromName;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * One rule of pixel-masks.yaml: the header values of a known layout, and the rectangles where
 * that layout shows identifying text. {@link #mismatch} says why an object is not of the layout.
 */
public record MaskRule(String name, String source, String file, List<Criterion> criteria, List<RectSpec> rectangles) {

    public MaskRule {
        criteria = List.copyOf(criteria);
        rectangles = List.copyOf(rectangles);
    }

    /** One header attribute and the values that fit it (glob patterns, case ignored), or a size range. */
    public record Criterion(String label, AttributeTag tag, List<String> patterns, int min, int max) {

        static Criterion values(String label, AttributeTag tag, List<String> patterns) {
            return new Criterion(label, tag, List.copyOf(patterns), 0, 0);
        }

        static Criterion range(String label, AttributeTag tag, int min, int max) {
            return new Criterion(label, tag, List.of(), min, max);
        }

        public boolean isRange() {
            return patterns.isEmpty();
        }

        /** Empty when the object fits; else what it has instead (header values only, never patient data). */
        Optional<String> mismatch(AttributeList dataset) {
            Attribute attribute = dataset.get(tag);
            if (isRange()) {
                int value = Attribute.getSingleIntegerValueOrDefault(dataset, tag, -1);
                if (value >= min && value <= max) {
                    return Optional.empty();
                }
                return Optional.of(label + " " + (value < 0 ? "absent" : value) + " is not "
                        + (min == max ? String.valueOf(min) : min + "-" + max));
            }
            String joined = attribute == null ? "" : String.join("\\", safeValues(attribute)).trim();
            for (String pattern : patterns) {
                if (glob(pattern).matcher(joined).matches()) {
                    return Optional.empty();
                }
            }
            return Optional.of(label + (attribute == null ? " is absent" : " does not fit") + ", wanted one of " + patterns);
        }

        String describe() {
            return isRange() ? label + " " + (min == max ? String.valueOf(min) : min + "-" + max) : label + " " + patterns;
        }

        private static List<String> safeValues(Attribute attribute) {
            List<String> out = new ArrayList<>();
            try {
                String[] values = attribute.getStringValues();
                if (values != null) {
                    for (String v : values) {
                        out.add(v == null ? "" : v.trim());
                    }
                }
            } catch (com.pixelmed.dicom.DicomException e) {
                // a value that cannot be decoded fits no pattern
            }
            return out;
        }

        private static Pattern glob(String pattern) {
            StringBuilder regex = new StringBuilder();
            for (String part : pattern.trim().split("\\*", -1)) {
                if (!regex.isEmpty()) {
                    regex.append(".*");
                }
                regex.append(Pattern.quote(part));
            }
            return Pattern.compile(regex.toString(), Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE | Pattern.DOTALL);
        }
    }

    /** One side of a rectangle: pixels, or a percentage of the image's columns or rows. */
    public record Extent(double amount, boolean percent) {
        int resolve(int size) {
            return percent ? (int) Math.round(size * amount / 100.0) : (int) amount;
        }

        @Override
        public String toString() {
            return percent ? (amount == Math.rint(amount) ? String.valueOf((long) amount) : String.valueOf(amount)) + "%"
                    : String.valueOf((long) amount);
        }
    }

    public record RectSpec(Extent x, Extent y, Extent width, Extent height) {
        Rect resolve(int columns, int rows) {
            return new Rect(x.resolve(columns), y.resolve(rows), width.resolve(columns), height.resolve(rows));
        }

        @Override
        public String toString() {
            return "[" + x + ", " + y + ", " + width + ", " + height + "]";
        }
    }

    /** The first criterion the object does not fit, or empty when the rule applies to it. */
    public Optional<String> mismatch(AttributeList dataset) {
        for (Criterion c : criteria) {
            Optional<String> why = c.mismatch(dataset);
            if (why.isPresent()) {
                return why;
            }
        }
        return Optional.empty();
    }

    /**
     * The rule's rectangles on an image of {@code columns} × {@code rows}. A rectangle not wholly
     * inside it means the rule was written for another layout: an error, never a silent clip.
     */
    public List<Rect> rectanglesFor(int columns, int rows) throws PixelDataException {
        List<Rect> out = new ArrayList<>();
        int index = 1;
        for (RectSpec spec : rectangles) {
            Rect r = spec.resolve(columns, rows);
            if (r.width() <= 0 || r.height() <= 0 || r.x() < 0 || r.y() < 0
                    || (long) r.x() + r.width() > columns || (long) r.y() + r.height() > rows) {
                throw new PixelDataException("pixel-mask rule '" + name + "' rectangle " + index + " " + spec
                        + " does not lie inside the " + columns + "x" + rows + " image");
            }
            out.add(r);
            index++;
        }
        return out;
    }

    static AttributeTag tagOfKeyword(String label) {
        return switch (label) {
            case "modality" -> TagFromName.Modality;
            case "manufacturer" -> TagFromName.Manufacturer;
            case "model" -> TagFromName.ManufacturerModelName;
            case "sop-class" -> TagFromName.SOPClassUID;
            case "rows" -> TagFromName.Rows;
            case "columns" -> TagFromName.Columns;
            default -> null;
        };
    }

    /** The criteria in the words of the rules file. */
    public String describe() {
        return criteria.isEmpty() ? "every object" : String.join("; ", criteria.stream().map(Criterion::describe).toList());
    }
}
