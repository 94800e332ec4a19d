package org.deidgateway.net;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;

/**
 * A DIMSE command set (PS3.7 9.3, 10.3): group 0000 elements in implicit VR little endian. Kept as
 * raw values by tag; typed accessors for the fields the gateway uses.
 */
public final class DimseCommand {

    public static final int AFFECTED_SOP_CLASS_UID = 0x00000002;
    public static final int COMMAND_FIELD = 0x00000100;
    public static final int MESSAGE_ID = 0x00000110;
    public static final int MESSAGE_ID_BEING_RESPONDED_TO = 0x00000120;
    public static final int MOVE_DESTINATION = 0x00000600;
    public static final int PRIORITY = 0x00000700;
    public static final int COMMAND_DATA_SET_TYPE = 0x00000800;
    public static final int STATUS = 0x00000900;
    public static final int ERROR_COMMENT = 0x00000902;
    public static final int AFFECTED_SOP_INSTANCE_UID = 0x00001000;

    public static final int C_STORE_RQ = 0x0001;
    public static final int C_STORE_RSP = 0x8001;
    public static final int C_ECHO_RQ = 0x0030;
    public static final int C_ECHO_RSP = 0x8030;
    /** Command Data Set Type meaning "no data set follows". */
    public static final int NO_DATA_SET = 0x0101;

    private static final int MAX_COMMAND_LENGTH = 64 * 1024;

    private final Map<Integer, byte[]> elements;

    private DimseCommand(Map<Integer, byte[]> elements) {
        this.elements = elements;
    }

    public static DimseCommand parse(byte[] bytes) throws ProtocolException {
        if (bytes.length > MAX_COMMAND_LENGTH) {
            throw new ProtocolException("command set of " + bytes.length + " bytes", ProtocolException.INVALID_PARAMETER_VALUE);
        }
        Map<Integer, byte[]> elements = new TreeMap<>();
        int p = 0;
        while (p < bytes.length) {
            if (bytes.length - p < 8) {
                throw new ProtocolException("command set ends inside an element header", ProtocolException.INVALID_PARAMETER_VALUE);
            }
            int group = le16(bytes, p);
            int element = le16(bytes, p + 2);
            long length = le32(bytes, p + 4);
            p += 8;
            if (group != 0 || length > bytes.length - p) {
                throw new ProtocolException("command set element (" + String.format("%04X,%04X", group, element)
                        + ") is outside group 0000 or runs past the end", ProtocolException.INVALID_PARAMETER_VALUE);
            }
            byte[] value = new byte[(int) length];
            System.arraycopy(bytes, p, value, 0, value.length);
            elements.put(element, value);
            p += (int) length;
        }
        DimseCommand command = new DimseCommand(elements);
        if (!elements.containsKey(COMMAND_FIELD)) {
            throw new ProtocolException("command set without Command Field", ProtocolException.INVALID_PARAMETER_VALUE);
        }
        return command;
    }

    public static Builder builder() {
        return new Builder();
    }

    public int commandField() {
        return u16(COMMAND_FIELD);
    }

    public int messageId() {
        return u16(MESSAGE_ID);
    }

    public boolean hasDataSet() {
        return u16(COMMAND_DATA_SET_TYPE) != NO_DATA_SET;
    }

    public int status() {
        return u16(STATUS);
    }

    public String string(int tag) {
        byte[] v = elements.get(tag);
        if (v == null) {
            return "";
        }
        String s = new String(v, StandardCharsets.US_ASCII);
        int cut = s.length();
        while (cut > 0 && (s.charAt(cut - 1) == ' ' || s.charAt(cut - 1) == '\0')) {
            cut--;
        }
        return s.substring(0, cut);
    }

    public int u16(int tag) {
        byte[] v = elements.get(tag);
        return v == null || v.length < 2 ? -1 : le16(v, 0);
    }

    /** Builds a command set; the group length is computed on {@link #encode}. */
    public static final class Builder {
        private final Map<Integer, byte[]> elements = new TreeMap<>();

        public Builder u16(int tag, int value) {
            elements.put(tag, new byte[] {(byte) value, (byte) (value >>> 8)});
            return this;
        }

        /** A UI or other string value, padded to even length (NUL for UIDs, space otherwise). */
        public Builder string(int tag, String value, boolean uid) {
            byte[] raw = value.getBytes(StandardCharsets.US_ASCII);
            byte[] padded = new byte[raw.length + (raw.length & 1)];
            System.arraycopy(raw, 0, padded, 0, raw.length);
            if ((raw.length & 1) == 1) {
                padded[raw.length] = uid ? 0 : (byte) ' ';
            }
            elements.put(tag, padded);
            return this;
        }

        public byte[] encode() {
            ByteArrayOutputStream rest = new ByteArrayOutputStream();
            for (Map.Entry<Integer, byte[]> e : elements.entrySet()) {
                element(rest, e.getKey(), e.getValue());
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            int length = rest.size();
            element(out, 0, new byte[] {(byte) length, (byte) (length >>> 8), (byte) (length >>> 16), (byte) (length >>> 24)});
            out.writeBytes(rest.toByteArray());
            return out.toByteArray();
        }

        private static void element(ByteArrayOutputStream out, int element, byte[] value) {
            out.write(0);
            out.write(0);
            out.write(element);
            out.write(element >>> 8);
            int length = value.length;
            out.write(length);
            out.write(length >>> 8);
            out.write(length >>> 16);
            out.write(length >>> 24);
            out.writeBytes(value);
        }
    }

    private static int le16(byte[] b, int p) {
        return (b[p] & 0xFF) | ((b[p + 1] & 0xFF) << 8);
    }

    private static long le32(byte[] b, int p) {
        return (b[p] & 0xFFL) | ((b[p + 1] & 0xFFL) << 8) | ((b[p + 2] & 0xFFL) << 16) | ((b[p + 3] & 0xFFL) << 24);
    }
}
