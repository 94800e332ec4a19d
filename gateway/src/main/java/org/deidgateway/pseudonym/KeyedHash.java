package org.deidgateway.pseudonym;

import org.bouncycastle.crypto.digests.SHA512tDigest;
import org.bouncycastle.crypto.macs.HMac;
import org.bouncycastle.crypto.params.KeyParameter;

import java.nio.charset.StandardCharsets;

/**
 * HMAC-SHA-512/256 over length-prefixed fields, so that ("ab","c") and ("a","bc") never collide.
 * Each call builds its own MAC: instances are immutable and safe to share across threads.
 */
public final class KeyedHash {

    private final byte[] key;

    public KeyedHash(byte[] key) {
        if (key.length < 32) {
            throw new IllegalArgumentException("a key of at least 256 bits is required");
        }
        this.key = key.clone();
    }

    public byte[] mac(String... fields) {
        HMac mac = new HMac(new SHA512tDigest(256));
        mac.init(new KeyParameter(key));
        for (String field : fields) {
            byte[] bytes = field.getBytes(StandardCharsets.UTF_8);
            mac.update((byte) (bytes.length >>> 24));
            mac.update((byte) (bytes.length >>> 16));
            mac.update((byte) (bytes.length >>> 8));
            mac.update((byte) bytes.length);
            mac.update(bytes, 0, bytes.length);
        }
        byte[] out = new byte[mac.getMacSize()];
        mac.doFinal(out, 0);
        return out;
    }
}
