package org.deidgateway.pseudonym;

/** Crockford's Base32 (digits and upper-case letters without I, L, O, U): readable over the phone. */
public final class CrockfordBase32 {

    static final char[] ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ".toCharArray();

    /** Crockford's check symbols: the 32 digits, then five extra symbols for the values 32 to 36. */
    static final String CHECK_SYMBOLS = new String(ALPHABET) + "*~$=U";

    private CrockfordBase32() {
    }

    /**
     * Crockford's check symbol of a Base32 string: its numeric value modulo 37. Catches every single
     * wrong symbol and every swap of two neighbouring symbols.
     */
    public static char checkSymbol(String symbols) {
        int remainder = 0;
        for (int i = 0; i < symbols.length(); i++) {
            int value = new String(ALPHABET).indexOf(symbols.charAt(i));
            if (value < 0) {
                throw new IllegalArgumentException("not a Crockford Base32 symbol: '" + symbols.charAt(i) + "'");
            }
            remainder = (remainder * 32 + value) % 37;
        }
        return CHECK_SYMBOLS.charAt(remainder);
    }

    /** Encodes all bits of {@code bytes}, most significant first; the last symbol is zero-padded. */
    public static String encode(byte[] bytes) {
        StringBuilder out = new StringBuilder((bytes.length * 8 + 4) / 5);
        int buffer = 0;
        int bits = 0;
        for (byte b : bytes) {
            buffer = (buffer << 8) | (b & 0xFF);
            bits += 8;
            while (bits >= 5) {
                out.append(ALPHABET[(buffer >>> (bits - 5)) & 0x1F]);
                bits -= 5;
            }
        }
        if (bits > 0) {
            out.append(ALPHABET[(buffer << (5 - bits)) & 0x1F]);
        }
        return out.toString();
    }
}
