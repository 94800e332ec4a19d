package org.deidgateway.pixel;

import org.deidgateway.deid.TextCleaner;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Judges the words OCR read in a frame against the object's identifying strings. A word is to be
 * blanked when the text cleaner would replace any of it (a name part, an ID, the birth date or
 * another date of the object, an address, a phone number, a long digit run), read alone, within
 * its line (a date or a name that OCR split into words), or with the characters OCR confuses
 * (0/O, 1/I/l, 5/S, 8/B) swapped; and when it looks like a date, a time or an ID by itself (four
 * digits or more). Blanking too much costs a few pixels; keeping one name costs the patient.
 */
public final class BurnedInText {

    /** Around a word's box: OCR boxes hug the glyphs, antialiased edges reach a pixel or two further. */
    static final int PAD = 3;
    private static final Pattern TIME = Pattern.compile("\\d{1,2}[:.h]\\d{2}(?:[:.]\\d{2})?");
    private static final Pattern MANY_DIGITS = Pattern.compile(".*\\d.*\\d.*\\d.*\\d.*");
    private static final Pattern DATE_PARTS = Pattern.compile(".*\\d{1,4}[-/.]\\d{1,2}([-/.]\\d{0,4})?.*");
    /** Below this, a word that is not identifying is not counted as text at all (speckle read as letters). */
    private static final float OTHER_TEXT_CONFIDENCE = 50f;

    private BurnedInText() {
    }

    /** One reading judged: the padded boxes to blank, and the boxes of other text. */
    public record Judged(List<Rect> toMask, List<Rect> otherText) {
    }

    public static Judged judge(List<OcrWord> words, TextCleaner identifying) {
        boolean[] flagged = flags(words, identifying);
        List<Rect> mask = new ArrayList<>();
        List<Rect> other = new ArrayList<>();
        for (int i = 0; i < words.size(); i++) {
            OcrWord w = words.get(i);
            if (flagged[i]) {
                mask.add(w.box().padded(PAD));
            } else if (w.confidence() >= OTHER_TEXT_CONFIDENCE
                    && w.text().chars().filter(Character::isLetterOrDigit).count() >= 2) {
                other.add(w.box());
            }
        }
        return new Judged(mask, other);
    }

    /** After blanking: the boxes of words that still identify, whatever OCR's confidence. */
    public static List<Rect> remaining(List<OcrWord> words, TextCleaner identifying) {
        List<Rect> out = new ArrayList<>();
        boolean[] flagged = flags(words, identifying);
        for (int i = 0; i < words.size(); i++) {
            if (flagged[i]) {
                out.add(words.get(i).box());
            }
        }
        return out;
    }

    static boolean[] flags(List<OcrWord> words, TextCleaner identifying) {
        boolean[] flagged = new boolean[words.size()];
        for (int i = 0; i < words.size(); i++) {
            flagged[i] = identifiesAlone(words.get(i).text(), identifying);
        }
        Map<String, List<Integer>> lines = new LinkedHashMap<>();
        for (int i = 0; i < words.size(); i++) {
            lines.computeIfAbsent(words.get(i).line(), k -> new ArrayList<>()).add(i);
        }
        for (List<Integer> line : lines.values()) {
            if (line.size() < 2) {
                continue;
            }
            for (String separator : new String[] {" ", ""}) {
                StringBuilder joined = new StringBuilder();
                int[] start = new int[line.size()];
                for (int k = 0; k < line.size(); k++) {
                    if (k > 0) {
                        joined.append(separator);
                    }
                    start[k] = joined.length();
                    joined.append(words.get(line.get(k)).text());
                }
                for (String variant : variants(joined.toString())) {
                    boolean[] chars = identifying.flagged(variant);
                    for (int k = 0; k < line.size(); k++) {
                        int end = start[k] + words.get(line.get(k)).text().length();
                        for (int c = start[k]; c < end && c < chars.length; c++) {
                            if (chars[c]) {
                                flagged[line.get(k)] = true;
                                break;
                            }
                        }
                    }
                }
            }
        }
        return flagged;
    }

    static boolean identifiesAlone(String raw, TextCleaner identifying) {
        String text = raw.trim();
        String core = text.replaceAll("^[^\\p{L}\\p{N}]+|[^\\p{L}\\p{N}]+$", "");
        if (core.isEmpty()) {
            return false;
        }
        if (MANY_DIGITS.matcher(core).matches() || TIME.matcher(core).matches()
                || (DATE_PARTS.matcher(core).matches() && core.chars().filter(Character::isDigit).count() >= 3)) {
            return true;
        }
        for (String candidate : List.of(text, core)) {
            for (String variant : variants(candidate)) {
                if (any(identifying.flagged(variant))) {
                    return true;
                }
            }
        }
        return false;
    }

    /** The text as read, and with OCR's usual confusions turned to letters and to digits (same length). */
    static List<String> variants(String text) {
        StringBuilder letters = new StringBuilder(text.length());
        StringBuilder digits = new StringBuilder(text.length());
        for (char c : text.toCharArray()) {
            letters.append(switch (c) {
                case '0' -> 'O';
                case '1' -> 'I';
                case '5' -> 'S';
                case '8' -> 'B';
                case '|' -> 'I';
                default -> c;
            });
            digits.append(switch (c) {
                case 'O', 'o', 'D', 'Q' -> '0';
                case 'I', 'l', '|', 'i' -> '1';
                case 'S', 's' -> '5';
                case 'B' -> '8';
                case 'Z', 'z' -> '2';
                default -> c;
            });
        }
        return List.of(text, letters.toString(), digits.toString());
    }

    private static boolean any(boolean[] flags) {
        for (boolean f : flags) {
            if (f) {
                return true;
            }
        }
        return false;
    }
}
