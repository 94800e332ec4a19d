package org.deidgateway.deid;

import java.util.Map;

/**
 * Dummy values for action D: non-zero length, valid for the VR, and obviously not real data.
 * Dates are the first day of 1900 rather than a plausible date, so nobody mistakes them.
 */
final class DummyValues {

    static final String TEXT = "ANONYMIZED";

    private static final Map<String, String> BY_VR = Map.ofEntries(
            Map.entry("AE", TEXT),
            Map.entry("AS", "000Y"),
            Map.entry("CS", TEXT),
            Map.entry("DA", "19000101"),
            Map.entry("DT", "19000101000000"),
            Map.entry("TM", "000000"),
            Map.entry("DS", "0"),
            Map.entry("IS", "0"),
            Map.entry("LO", TEXT),
            Map.entry("LT", TEXT),
            Map.entry("PN", TEXT),
            Map.entry("SH", TEXT),
            Map.entry("ST", TEXT),
            Map.entry("UC", TEXT),
            Map.entry("UT", TEXT),
            Map.entry("UR", "urn:deid-gateway:removed"));

    private DummyValues() {
    }

    /** The dummy string for a string VR, or null for a binary or numeric VR. */
    static String forStringVr(String vr) {
        return BY_VR.get(vr);
    }
}
