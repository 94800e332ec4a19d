package org.deidgateway.pseudonym;

import java.math.BigInteger;
import java.util.Arrays;

/**
 * Instance UIDs become {@code 2.25.} + the decimal of the first 128 bits of the keyed HMAC of the
 * original UID: deterministic, so references inside and across studies stay consistent with no
 * state kept. UIDs defined by the DICOM standard itself (root 1.2.840.10008) are not instance
 * identifiers and are returned unchanged.
 */
public final class UidRemapper {

    private static final String STANDARD_ROOT = "1.2.840.10008.";
    private static final String FIELD = "uid";

    private final KeyedHash key;

    public UidRemapper(ProjectKeys keys) {
        this.key = keys.forPurpose(ProjectKeys.Purpose.UID);
    }

    public String remap(String uid) {
        String original = uid.trim();
        if (original.isEmpty() || original.startsWith(STANDARD_ROOT)) {
            return original;
        }
        byte[] first128 = Arrays.copyOf(key.mac(FIELD, original), 16);
        return "2.25." + new BigInteger(1, first128);
    }
}
