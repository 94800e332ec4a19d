package org.deidgateway.receive;

import org.deidgateway.net.Implementation;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The Part 10 preamble and file meta information (PS3.10 7.1) put in front of a data set received
 * over the network, so that the spool holds ordinary DICOM files; the data set bytes follow as
 * received, in their transfer syntax, untouched.
 */
final class FileMetaHeader {

    private FileMetaHeader() {
    }

    /**
     * The calling AE title goes into Source and Sending AE Title, the called one into Receiving AE
     * Title (0002,0016-0018): the spool file alone then says where the object came from and which
     * project it was sent to, which is how its database row is rebuilt after a crash.
     */
    static byte[] encode(String sopClassUid, String sopInstanceUid, String transferSyntaxUid, String sourceAeTitle,
                         String receivingAeTitle) {
        ByteArrayOutputStream elements = new ByteArrayOutputStream();
        element(elements, 0x0001, "OB", new byte[] {0, 1});
        element(elements, 0x0002, "UI", uid(sopClassUid));
        element(elements, 0x0003, "UI", uid(sopInstanceUid));
        element(elements, 0x0010, "UI", uid(transferSyntaxUid));
        element(elements, 0x0012, "UI", uid(Implementation.CLASS_UID));
        element(elements, 0x0013, "SH", text(Implementation.VERSION_NAME));
        if (!sourceAeTitle.isEmpty()) {
            element(elements, 0x0016, "AE", text(sourceAeTitle));
            element(elements, 0x0017, "AE", text(sourceAeTitle));
        }
        if (!receivingAeTitle.isEmpty()) {
            element(elements, 0x0018, "AE", text(receivingAeTitle));
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(132 + 12 + elements.size());
        out.writeBytes(new byte[128]);
        out.writeBytes("DICM".getBytes(StandardCharsets.US_ASCII));
        int length = elements.size();
        element(out, 0x0000, "UL", new byte[] {(byte) length, (byte) (length >>> 8), (byte) (length >>> 16), (byte) (length >>> 24)});
        out.writeBytes(elements.toByteArray());
        return out.toByteArray();
    }

    private static void element(ByteArrayOutputStream out, int element, String vr, byte[] value) {
        out.write(0x02);
        out.write(0x00);
        out.write(element);
        out.write(element >>> 8);
        out.writeBytes(vr.getBytes(StandardCharsets.US_ASCII));
        if (vr.equals("OB")) {
            out.write(0);
            out.write(0);
            out.write(value.length);
            out.write(value.length >>> 8);
            out.write(value.length >>> 16);
            out.write(value.length >>> 24);
        } else {
            out.write(value.length);
            out.write(value.length >>> 8);
        }
        out.writeBytes(value);
    }

    private static byte[] uid(String uid) {
        return padded(uid, (byte) 0);
    }

    private static byte[] text(String text) {
        return padded(text, (byte) ' ');
    }

    private static byte[] padded(String s, byte pad) {
        byte[] raw = s.getBytes(StandardCharsets.US_ASCII);
        byte[] out = new byte[raw.length + (raw.length & 1)];
        System.arraycopy(raw, 0, out, 0, raw.length);
        if ((raw.length & 1) == 1) {
            out[raw.length] = pad;
        }
        return out;
    }
}
