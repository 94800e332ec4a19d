package org.deidgateway.deid;

import java.util.Map;

/** Maximum value lengths of the string VRs (PS3.5 Table 6.2-1), so cleaned text stays valid. */
final class ValueLimits {

    private static final Map<String, Integer> MAX_CHARS = Map.of(
            "AE", 16, "CS", 16, "SH", 16, "LO", 64, "ST", 1024, "LT", 10240, "PN", 64);

    private ValueLimits() {
    }

    static String truncate(String vr, String value) {
        Integer max = MAX_CHARS.get(vr);
        return max == null || value.length() <= max ? value : value.substring(0, max);
    }
}
