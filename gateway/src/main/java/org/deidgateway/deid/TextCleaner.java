package org.deidgateway.deid;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Scrubs free text kept under Clean Descriptors or Clean Structured Content. Removes every
 * identifying string taken from the same object (each part of every person name, IDs, addresses,
 * phone numbers, institution and device names, the birth date in common spellings), then, by
 * pattern, dates, long digit runs, phone numbers and e-mail addresses.
 */
public final class TextCleaner {

    static final String REPLACEMENT = "***";

    private static final String MONTHS = "(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\\.?";
    private static final Pattern DATES = Pattern.compile(
            "\\b\\d{4}[-/.]\\d{1,2}[-/.]\\d{1,2}\\b"
                    + "|\\b\\d{1,2}[-/.]\\d{1,2}[-/.]\\d{2,4}\\b"
                    + "|\\b\\d{1,2}\\.?\\s+" + MONTHS + "\\s+\\d{2,4}\\b"
                    + "|\\b" + MONTHS + "\\s+\\d{1,2}(?:st|nd|rd|th)?,?\\s+\\d{4}\\b",
            Pattern.CASE_INSENSITIVE);
    private static final Pattern EMAIL = Pattern.compile("[\\w.+-]+@[\\w-]+(?:\\.[\\w-]+)+");
    /** Digit groups joined by phone-number punctuation; counted as a phone number from 7 digits on. */
    private static final Pattern PHONE_CANDIDATE = Pattern.compile("(?<![\\w.])\\+?\\(?\\d[\\d ()/.-]{5,}\\d(?![\\w])");
    private static final Pattern LONG_DIGITS = Pattern.compile("\\d{5,}");
    private static final int MIN_TOKEN = 2;
    private static final int MIN_PHRASE = 3;

    private final Pattern identifying;

    private TextCleaner(Pattern identifying) {
        this.identifying = identifying;
    }

    /** A cleaner that knows no object-specific strings: patterns only. */
    public static TextCleaner patternsOnly() {
        return new TextCleaner(null);
    }

    public String clean(String text) {
        if (text == null || text.isEmpty()) {
            return text;
        }
        String out = text;
        if (identifying != null) {
            out = identifying.matcher(out).replaceAll(REPLACEMENT);
        }
        out = EMAIL.matcher(out).replaceAll(REPLACEMENT);
        out = DATES.matcher(out).replaceAll(REPLACEMENT);
        out = replacePhoneNumbers(out);
        out = LONG_DIGITS.matcher(out).replaceAll(REPLACEMENT);
        return out;
    }

    /**
     * Which characters of {@code text} {@link #clean} would replace (identifying strings, dates,
     * e-mail addresses, phone numbers, long digit runs), each pattern matched on the text as given:
     * for text read from pixels, where a box has to be blanked rather than a string replaced.
     */
    public boolean[] flagged(String text) {
        boolean[] out = new boolean[text.length()];
        List<Pattern> patterns = new ArrayList<>(List.of(EMAIL, DATES, LONG_DIGITS));
        if (identifying != null) {
            patterns.add(identifying);
        }
        for (Pattern p : patterns) {
            Matcher m = p.matcher(text);
            while (m.find()) {
                java.util.Arrays.fill(out, m.start(), m.end(), true);
            }
        }
        Matcher phone = PHONE_CANDIDATE.matcher(text);
        while (phone.find()) {
            if (phone.group().chars().filter(Character::isDigit).count() >= 7) {
                java.util.Arrays.fill(out, phone.start(), phone.end(), true);
            }
        }
        return out;
    }

    private static String replacePhoneNumbers(String text) {
        Matcher m = PHONE_CANDIDATE.matcher(text);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            long digits = m.group().chars().filter(Character::isDigit).count();
            m.appendReplacement(out, digits >= 7 ? REPLACEMENT : Matcher.quoteReplacement(m.group()));
        }
        m.appendTail(out);
        return out.toString();
    }

    /** The spellings of one date (yyyyMMdd) found in reports and descriptions: ISO, European, US, two-digit year. */
    static List<String> dateSpellings(String yyyymmdd) {
        String y = yyyymmdd.substring(0, 4);
        String m = yyyymmdd.substring(4, 6);
        String day = yyyymmdd.substring(6, 8);
        String mNoZero = String.valueOf(Integer.parseInt(m));
        String dNoZero = String.valueOf(Integer.parseInt(day));
        List<String> spellings = new ArrayList<>();
        for (String sep : List.of("", "-", "/", ".", " ")) {
            spellings.addAll(List.of(y + sep + m + sep + day, day + sep + m + sep + y, m + sep + day + sep + y,
                    dNoZero + sep + mNoZero + sep + y, mNoZero + sep + dNoZero + sep + y, day + sep + m + sep + y.substring(2)));
        }
        return spellings;
    }

    /** Collects the identifying strings of one object; {@link #build()} makes the cleaner. */
    public static final class Builder {
        private final Set<String> phrases = new LinkedHashSet<>();

        /** A person name in DICOM PN form: every component of every representation is identifying. */
        public Builder personName(String pn) {
            if (pn == null) {
                return this;
            }
            addPhrase(pn.replace('^', ' ').replace('=', ' '));
            for (String part : pn.split("[\\^= ,]+")) {
                addToken(part);
            }
            return this;
        }

        /** An identifier (patient ID, accession number...): removed where it occurs as a whole. */
        public Builder identifier(String value) {
            addPhrase(value);
            return this;
        }

        /** An address or similar multi-part text: the whole and every word of it. */
        public Builder address(String value) {
            addPhrase(value);
            if (value != null) {
                for (String part : value.split("[\\s,;^]+")) {
                    if (part.length() > MIN_PHRASE) {
                        addToken(part);
                    }
                }
            }
            return this;
        }

        /** A birth date (DA, yyyyMMdd) in the spellings found in reports and descriptions. */
        public Builder birthDate(String da) {
            return date(da);
        }

        /**
         * A date of the object (DA yyyyMMdd, or the date part of a DT) in the spellings found in
         * reports and descriptions: where dates are shifted, a real one left in text undoes the shift.
         */
        public Builder date(String da) {
            if (da != null && da.trim().matches("\\d{8}")) {
                dateSpellings(da.trim()).forEach(this::addPhrase);
            }
            return this;
        }

        private void addToken(String token) {
            String t = token.trim();
            if (t.length() >= MIN_TOKEN && t.chars().anyMatch(Character::isLetterOrDigit)) {
                phrases.add(t);
            }
        }

        private void addPhrase(String phrase) {
            if (phrase == null) {
                return;
            }
            String p = phrase.trim().replaceAll("\\s+", " ");
            if (p.length() >= MIN_PHRASE && p.chars().anyMatch(Character::isLetterOrDigit)) {
                phrases.add(p);
            }
        }

        public TextCleaner build() {
            if (phrases.isEmpty()) {
                return patternsOnly();
            }
            List<String> sorted = new ArrayList<>(phrases);
            // Longest first, so that a whole name is replaced before its parts.
            sorted.sort(Comparator.comparingInt(String::length).reversed());
            StringBuilder regex = new StringBuilder();
            for (String phrase : sorted) {
                if (!regex.isEmpty()) {
                    regex.append('|');
                }
                // Word boundaries keep a name part such as "Li" from eating "Clinic"; a phrase
                // that starts or ends in punctuation is matched without a boundary on that side.
                String quoted = Pattern.quote(phrase);
                regex.append(Character.isLetterOrDigit(phrase.charAt(0)) ? "(?<![\\p{L}\\p{N}])" : "")
                        .append(quoted)
                        .append(Character.isLetterOrDigit(phrase.charAt(phrase.length() - 1)) ? "(?![\\p{L}\\p{N}])" : "");
            }
            return new TextCleaner(compiled(regex.toString()));
        }

        /**
         * The objects of one patient give the same expression, object after object: compiling it
         * each time was a tenth of processing. The few most recent stay compiled (in memory only,
         * like the objects they came from).
         */
        private static Pattern compiled(String regex) {
            synchronized (RECENT) {
                Pattern known = RECENT.get(regex);
                if (known != null) {
                    return known;
                }
            }
            Pattern pattern = Pattern.compile(regex, Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE);
            synchronized (RECENT) {
                RECENT.put(regex, pattern);
            }
            return pattern;
        }

        private static final int REMEMBERED = 32;
        private static final java.util.Map<String, Pattern> RECENT = new java.util.LinkedHashMap<>(64, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(java.util.Map.Entry<String, Pattern> eldest) {
                return size() > REMEMBERED;
            }
        };

        int size() {
            return phrases.size();
        }
    }
}
