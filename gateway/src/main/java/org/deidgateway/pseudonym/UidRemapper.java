package org.deidgateway.pseudonym;

import java.math.BigInteger;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Instance UIDs become {@code 2.25.} + the decimal of the first 128 bits of the keyed HMAC of the
 * original UID: deterministic, so references inside and across studies stay consistent with no
 * state kept. UIDs defined by the DICOM standard itself (root 1.2.840.10008) are not instance
 * identifiers and are returned unchanged.
 */
public final class UidRemapper {

    private static final String STANDARD_ROOT = "1.2.840.10008.";
    private static final String FIELD = "uid";

    /** Study, series and frame-of-reference UIDs repeat in every object of a series: an HMAC each time was 4 % of processing. */
    private static final int REMEMBERED = 4096;

    private final KeyedHash key;
    private final Map<String, String> recent = new LinkedHashMap<>(256, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
            return size() > REMEMBERED;
        }
    };

    public UidRemapper(ProjectKeys keys) {
        this.key = keys.forPurpose(ProjectKeys.Purpose.UID);
    }

    public String remap(String uid) {
        String original = uid.trim();
        if (original.isEmpty() || original.startsWith(STANDARD_ROOT)) {
            return original;
        }
        synchronized (recent) {
            String known = recent.get(original);
            if (known != null) {
                return known;
            }
        }
        byte[] first128 = Arrays.copyOf(key.mac(FIELD, original), 16);
        String remapped = "2.25." + new BigInteger(1, first128);
        synchronized (recent) {
            recent.put(original, remapped);
        }
        return remapped;
    }
}
