package org.deidgateway.deid;

import java.time.DateTimeException;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Moves DICOM dates (DA) and date-times (DT) by a whole number of days, as the Retain Longitudinal
 * Temporal Information Modified Dates option asks: intervals between a patient's dates survive,
 * the calendar dates do not. Only the date part moves; a DT's time, fraction and time-zone suffix
 * are copied byte for byte, since a whole-day shift leaves them right. A partial date (YYYY or
 * YYYYMM, found in the wild) keeps its precision: it is read as the first day of its year or
 * month, shifted, and cut back to its length, so it never claims more than it knew.
 *
 * <p>A value that cannot be read as a date is reported as absent, and the caller drops it: an
 * unreadable value might still be a real date in some spelling, and leaving it unshifted would
 * leak it. Pure: strings in, strings out.
 */
public final class DateShifter {

    /** YYYY, YYYYMM, YYYYMMDD, or the ACR-NEMA form YYYY.MM.DD. */
    private static final Pattern DA = Pattern.compile("(\\d{4})(?:(\\d{2})(\\d{2})?|\\.(\\d{2})\\.(\\d{2}))?");
    /** YYYY[MM[DD[HH[MM[SS[.F{1,6}]]]]]][&ZZXX]: date part, time part, time-zone suffix. */
    private static final Pattern DT = Pattern.compile(
            "(\\d{4}(?:\\d{2}(?:\\d{2})?)?)"
                    + "((?:\\d{2}(?:\\d{2}(?:\\d{2}(?:\\.\\d{1,6})?)?)?)?)"
                    + "([+-]\\d{4})?");

    private final int days;

    public DateShifter(int days) {
        this.days = days;
    }

    public int days() {
        return days;
    }

    /** Shifts every value of a DA or DT attribute; values that cannot be read are left out. */
    public List<String> shiftAll(String vr, String[] values) {
        List<String> shifted = new ArrayList<>();
        for (String value : values == null ? new String[0] : values) {
            Optional<String> out = "DT".equals(vr) ? shiftDateTime(value) : shiftDate(value);
            out.ifPresent(shifted::add);
        }
        return shifted;
    }

    /** A DA value or a DA range {@code A-B} (either side may be empty); written back as YYYYMMDD. */
    public Optional<String> shiftDate(String value) {
        if (value == null) {
            return Optional.empty();
        }
        String v = value.trim();
        int dash = v.indexOf('-');
        if (dash < 0) {
            return shiftSingleDate(v);
        }
        if (dash != v.lastIndexOf('-') || v.length() == 1) {
            return Optional.empty();
        }
        return range(v.substring(0, dash), v.substring(dash + 1), this::shiftSingleDate);
    }

    /**
     * A DT value, or a DT range {@code A-B}. A '-' may also start a time-zone suffix, so a value
     * that is not one date-time is tried as a range at each '-' in turn.
     */
    public Optional<String> shiftDateTime(String value) {
        if (value == null) {
            return Optional.empty();
        }
        String v = value.trim();
        Optional<String> single = shiftSingleDateTime(v);
        if (single.isPresent() || v.length() < 2) {
            return single;
        }
        for (int dash = v.indexOf('-'); dash >= 0; dash = v.indexOf('-', dash + 1)) {
            Optional<String> r = range(v.substring(0, dash), v.substring(dash + 1), this::shiftSingleDateTime);
            if (r.isPresent()) {
                return r;
            }
        }
        return Optional.empty();
    }

    private interface SingleShift {
        Optional<String> shift(String value);
    }

    private static Optional<String> range(String from, String to, SingleShift shift) {
        Optional<String> a = from.isEmpty() ? Optional.of("") : shift.shift(from);
        Optional<String> b = to.isEmpty() ? Optional.of("") : shift.shift(to);
        return a.isPresent() && b.isPresent() ? Optional.of(a.get() + "-" + b.get()) : Optional.empty();
    }

    private Optional<String> shiftSingleDate(String v) {
        Matcher m = DA.matcher(v);
        if (!m.matches()) {
            return Optional.empty();
        }
        // the ACR-NEMA form is always a full date: rewrite it as YYYYMMDD
        String digits = m.group(4) != null ? m.group(1) + m.group(4) + m.group(5) : v;
        return shiftDigits(digits);
    }

    private Optional<String> shiftSingleDateTime(String v) {
        Matcher m = DT.matcher(v);
        if (!m.matches()) {
            return Optional.empty();
        }
        String date = m.group(1);
        String time = m.group(2);
        String zone = m.group(3) == null ? "" : m.group(3);
        // a time needs the full date before it; else the digits were split wrongly
        if ((!time.isEmpty() && date.length() != 8) || !validTime(time) || !validZone(zone)) {
            return Optional.empty();
        }
        return shiftDigits(date).map(d -> d + time + zone);
    }

    /** YYYY, YYYYMM or YYYYMMDD, valid on the calendar, shifted and cut back to the same length. */
    private Optional<String> shiftDigits(String digits) {
        int length = digits.length();
        if (length != 4 && length != 6 && length != 8) {
            return Optional.empty();
        }
        int year = Integer.parseInt(digits.substring(0, 4));
        int month = length >= 6 ? Integer.parseInt(digits.substring(4, 6)) : 1;
        int day = length == 8 ? Integer.parseInt(digits.substring(6, 8)) : 1;
        if (year < 1) {
            return Optional.empty();
        }
        LocalDate shifted;
        try {
            shifted = LocalDate.of(year, month, day).plusDays(days);
        } catch (DateTimeException e) {
            return Optional.empty();
        }
        if (shifted.getYear() < 1 || shifted.getYear() > 9999) {
            return Optional.empty();
        }
        String full = String.format("%04d%02d%02d", shifted.getYear(), shifted.getMonthValue(), shifted.getDayOfMonth());
        return Optional.of(full.substring(0, length));
    }

    private static boolean validTime(String time) {
        if (time.isEmpty()) {
            return true;
        }
        int hours = Integer.parseInt(time.substring(0, 2));
        int minutes = time.length() >= 4 ? Integer.parseInt(time.substring(2, 4)) : 0;
        // 60 seconds: PS3.5 allows a leap second
        int seconds = time.length() >= 6 ? Integer.parseInt(time.substring(4, 6)) : 0;
        return hours <= 23 && minutes <= 59 && seconds <= 60;
    }

    /** &ZZXX: PS3.5 allows offsets from -1200 to +1400. */
    private static boolean validZone(String zone) {
        if (zone.isEmpty()) {
            return true;
        }
        int hours = Integer.parseInt(zone.substring(1, 3));
        int minutes = Integer.parseInt(zone.substring(3, 5));
        int total = hours * 60 + minutes;
        return minutes <= 59 && (zone.charAt(0) == '+' ? total <= 14 * 60 : total <= 12 * 60);
    }
}
