package org.deidgateway.pseudonym;

import java.util.Arrays;

/**
 * The {@code hash} override: a value replaced by Crockford Base32 of the first 80 bits of its
 * keyed HMAC (16 characters, fits every string VR including SH), tied to the tag so that one value
 * in two attributes does not link them.
 */
public final class ValueHasher {

    private final KeyedHash key;

    public ValueHasher(ProjectKeys keys) {
        this.key = keys.forPurpose(ProjectKeys.Purpose.VALUE_HASH);
    }

    public String hash(int tag, String value) {
        return CrockfordBase32.encode(Arrays.copyOf(key.mac(Integer.toHexString(tag), value.trim()), 10));
    }
}
