package org.deidgateway.net;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;

/**
 * One protocol data unit as read from the wire: its type and body. The length in the header is
 * checked against the limit before the body is allocated, so a forged length costs nothing.
 */
public record Pdu(int type, byte[] body, int length) {

    public static final int ASSOCIATE_RQ = 0x01;
    public static final int ASSOCIATE_AC = 0x02;
    public static final int ASSOCIATE_RJ = 0x03;
    public static final int P_DATA_TF = 0x04;
    public static final int RELEASE_RQ = 0x05;
    public static final int RELEASE_RP = 0x06;
    public static final int ABORT = 0x07;

    /** A PDU whose body is exactly {@code body}. */
    public Pdu(int type, byte[] body) {
        this(type, body, body.length);
    }

    /** Reads one PDU; null at a clean end of stream before its first byte. */
    public static Pdu read(InputStream in, long maxBodyLength) throws IOException, ProtocolException {
        return read(in, maxBodyLength, null);
    }

    /**
     * Reads one PDU, a P-DATA-TF body into {@code dataBuffer} when it fits there (its first
     * {@link #length} bytes; the rest is stale): a receiver that consumes each P-DATA-TF before
     * reading the next needs no new array per PDU. Other PDUs get a body of their own length.
     */
    public static Pdu read(InputStream in, long maxBodyLength, byte[] dataBuffer) throws IOException, ProtocolException {
        int type = in.read();
        if (type < 0) {
            return null;
        }
        DataInputStream data = new DataInputStream(in);
        data.readUnsignedByte();
        long length = data.readInt() & 0xFFFFFFFFL;
        if (type < ASSOCIATE_RQ || type > ABORT) {
            throw new ProtocolException("unknown PDU type 0x" + Integer.toHexString(type), ProtocolException.UNRECOGNIZED_PDU);
        }
        if (length > maxBodyLength) {
            throw new ProtocolException("PDU of type " + type + " announces " + length + " bytes, more than the "
                    + maxBodyLength + " allowed", ProtocolException.INVALID_PARAMETER_VALUE);
        }
        byte[] body = type == P_DATA_TF && dataBuffer != null && length <= dataBuffer.length ? dataBuffer
                : new byte[(int) length];
        try {
            data.readFully(body, 0, (int) length);
        } catch (EOFException e) {
            throw new EOFException("connection closed inside a PDU of type " + type);
        }
        return new Pdu(type, body, (int) length);
    }

    /** The 6-byte header of a PDU whose body has {@code length} bytes. */
    public static byte[] header(int type, int length) {
        return new byte[] {(byte) type, 0, (byte) (length >>> 24), (byte) (length >>> 16), (byte) (length >>> 8), (byte) length};
    }
}
