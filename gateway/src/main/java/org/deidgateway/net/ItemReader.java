package org.deidgateway.net;

import java.nio.charset.StandardCharsets;

/** Reads a PDU body or item with every length checked against what is left; never reads past its end. */
final class ItemReader {

    private final byte[] bytes;
    private int position;
    private final int end;

    ItemReader(byte[] bytes) {
        this(bytes, 0, bytes.length);
    }

    private ItemReader(byte[] bytes, int start, int end) {
        this.bytes = bytes;
        this.position = start;
        this.end = end;
    }

    int remaining() {
        return end - position;
    }

    boolean hasMore() {
        return position < end;
    }

    int u8() throws ProtocolException {
        need(1);
        return bytes[position++] & 0xFF;
    }

    int u16() throws ProtocolException {
        need(2);
        int v = ((bytes[position] & 0xFF) << 8) | (bytes[position + 1] & 0xFF);
        position += 2;
        return v;
    }

    long u32() throws ProtocolException {
        need(4);
        long v = ((long) (bytes[position] & 0xFF) << 24) | ((bytes[position + 1] & 0xFF) << 16)
                | ((bytes[position + 2] & 0xFF) << 8) | (bytes[position + 3] & 0xFF);
        position += 4;
        return v;
    }

    void skip(int count) throws ProtocolException {
        need(count);
        position += count;
    }

    /** A fixed-width or item text: ASCII, padding spaces and a trailing NUL (UIDs) removed. */
    String text(int length) throws ProtocolException {
        need(length);
        String s = new String(bytes, position, length, StandardCharsets.US_ASCII);
        position += length;
        int cut = s.length();
        while (cut > 0 && (s.charAt(cut - 1) == ' ' || s.charAt(cut - 1) == '\0')) {
            cut--;
        }
        int start = 0;
        while (start < cut && s.charAt(start) == ' ') {
            start++;
        }
        return s.substring(start, cut);
    }

    /** A sub-reader over the next {@code length} bytes. */
    ItemReader sub(int length) throws ProtocolException {
        need(length);
        ItemReader sub = new ItemReader(bytes, position, position + length);
        position += length;
        return sub;
    }

    private void need(int count) throws ProtocolException {
        if (count < 0 || end - position < count) {
            throw new ProtocolException("an item's length runs past the end of its PDU", ProtocolException.INVALID_PARAMETER_VALUE);
        }
    }
}
