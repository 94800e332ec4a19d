package org.deidgateway.deid;

import java.time.DateTimeException;
import java.time.LocalDate;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Whether one value of a string VR is what PS3.5 Table 6.2-1 allows: its characters, its form
 * and its length. The engine keeps a value verbatim only if it passes, because a value that does
 * not is no longer what the attribute means: a time followed by a name is an element that
 * swallowed the next ones on the wire, a code with spaces and digits is free text in disguise.
 * Trailing spaces and NULs are padding and are not part of the value; where the standard lets
 * leading spaces be insignificant (AE, DS, IS, TM's older forms), they are allowed too.
 */
final class ValueGrammar {

    /**
     * Maximum length in characters (PS3.5 Table 6.2-1). PN's applies per component group and is
     * checked there; DA, DT and TM are bounded by their patterns, which also admit the older
     * ACR-NEMA forms with separators.
     */
    private static final Map<String, Integer> MAX_CHARS = Map.ofEntries(
            Map.entry("AE", 16), Map.entry("AS", 4), Map.entry("CS", 16), Map.entry("DS", 16),
            Map.entry("IS", 12), Map.entry("LO", 64), Map.entry("LT", 10240), Map.entry("SH", 16),
            Map.entry("ST", 1024), Map.entry("UI", 64));

    private static final Pattern CS = Pattern.compile("[A-Z0-9 _]*");
    private static final Pattern AS = Pattern.compile("[0-9]{3}[DWMY]");
    private static final Pattern IS = Pattern.compile(" *[+-]?[0-9]+ *");
    private static final Pattern DS = Pattern.compile(" *[+-]?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)([eE][+-]?[0-9]+)? *");
    private static final Pattern UI = Pattern.compile("(0|[1-9][0-9]*)(\\.(0|[1-9][0-9]*))*");
    /** HH[MM[SS[.F{1,6}]]], and the ACR-NEMA form HH:MM[:SS[.F]] that PS3.5 still lets readers accept. */
    private static final Pattern TM = Pattern.compile(
            "([01][0-9]|2[0-3])(([0-5][0-9])(([0-5][0-9]|60)(\\.[0-9]{1,6})?)?)?"
            + "|([01][0-9]|2[0-3]):[0-5][0-9](:([0-5][0-9]|60)(\\.[0-9]{1,6})?)?");
    private static final Pattern DT = Pattern.compile(
            "([0-9]{4})(([0-9]{2})(([0-9]{2})(([01][0-9]|2[0-3])([0-5][0-9]([0-5][0-9]|60)?)?)?)?)?"
            + "(\\.[0-9]{1,6})?([+-](0[0-9]|1[0-4])[0-5][0-9])?");
    private static final Pattern DA = Pattern.compile("([0-9]{4})\\.?([0-9]{2})\\.?([0-9]{2})");

    private ValueGrammar() {
    }

    /** Whether the VR has a grammar here; binary VRs are framed by the parser and have none. */
    static boolean applies(String vr) {
        return switch (vr) {
            case "AE", "AS", "CS", "DA", "DS", "DT", "IS", "LO", "LT", "PN", "SH", "ST", "TM", "UC", "UI", "UR",
                 "UT" -> true;
            default -> false;
        };
    }

    static boolean conforms(String vr, String raw) {
        if (raw == null) {
            return true;
        }
        String value = stripPadding(raw);
        if (value.isEmpty()) {
            return true;
        }
        Integer max = MAX_CHARS.get(vr);
        if (max != null && value.length() > max) {
            return false;
        }
        return switch (vr) {
            case "AE" -> !value.isBlank() && noControl(value, false) && value.indexOf('\\') < 0;
            case "AS" -> AS.matcher(value).matches();
            case "CS" -> CS.matcher(value).matches();
            case "DA" -> isDate(value);
            case "DS" -> DS.matcher(value).matches();
            case "DT" -> isDateTime(value);
            case "IS" -> IS.matcher(value).matches() && fitsInt(value.trim());
            case "TM" -> TM.matcher(value).matches();
            case "UI" -> UI.matcher(value).matches();
            case "PN" -> isPersonName(value);
            case "SH", "LO", "UC" -> noControl(value, false) && value.indexOf('\\') < 0;
            case "ST", "LT", "UT" -> noControl(value, true);
            case "UR" -> noControl(value, false) && value.indexOf(' ') < 0;
            default -> true;
        };
    }

    /** Trailing spaces and NULs pad a value to even length; they are not part of it. */
    static String stripPadding(String value) {
        int end = value.length();
        while (end > 0 && (value.charAt(end - 1) == ' ' || value.charAt(end - 1) == '\0')) {
            end--;
        }
        return value.substring(0, end);
    }

    /**
     * Control characters are not part of any character repertoire of these VRs except ESC (code
     * extensions of ISO 2022) and, in the text VRs, the format effectors TAB, LF, FF and CR.
     */
    private static boolean noControl(String value, boolean text) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < 0x20 || c == 0x7F) {
                boolean allowed = c == 0x1B || text && (c == '\t' || c == '\n' || c == '\f' || c == '\r');
                if (!allowed) {
                    return false;
                }
            }
        }
        return true;
    }

    private static boolean isPersonName(String value) {
        if (!noControl(value, false) || value.indexOf('\\') >= 0) {
            return false;
        }
        String[] groups = value.split("=", -1);
        if (groups.length > 3) {
            return false;
        }
        for (String group : groups) {
            if (group.length() > 64 || group.split("\\^", -1).length > 5) {
                return false;
            }
        }
        return true;
    }

    /**
     * YYYYMMDD, or the ACR-NEMA YYYY.MM.DD; YYYY and YYYYMM too, the partial dates some senders
     * write and the date shifter keeps at their precision (docs/decisions.md).
     */
    private static boolean isDate(String value) {
        if (value.matches("[0-9]{4}([0-9]{2})?")) {
            return value.length() == 4 || realMonth(value.substring(4, 6));
        }
        var m = DA.matcher(value);
        if (!m.matches() || value.length() != 8 && value.length() != 10) {
            return false;
        }
        return realDate(m.group(1), m.group(2), m.group(3));
    }

    private static boolean isDateTime(String value) {
        var m = DT.matcher(value);
        if (!m.matches()) {
            return false;
        }
        String month = m.group(3);
        String day = m.group(5);
        if (month == null) {
            return true;
        }
        if (!realMonth(month)) {
            return false;
        }
        return day == null || realDate(m.group(1), month, day);
    }

    private static boolean realMonth(String month) {
        int mm = Integer.parseInt(month);
        return mm >= 1 && mm <= 12;
    }

    private static boolean realDate(String year, String month, String day) {
        try {
            LocalDate.of(Integer.parseInt(year), Integer.parseInt(month), Integer.parseInt(day));
            return true;
        } catch (DateTimeException e) {
            return false;
        }
    }

    private static boolean fitsInt(String value) {
        try {
            Integer.parseInt(value.startsWith("+") ? value.substring(1) : value);
            return true;
        } catch (NumberFormatException e) {
            return false;
        }
    }
}
