package org.deidgateway.forward;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What forwarding needs from a Part 10 file (PS3.10 7.1): the SOP class and instance, the transfer
 * syntax, and where the data set starts. Only the file meta is read, never the data set, so the
 * data set can be sent byte for byte whatever its encoding (compressed, deflated, big endian).
 */
public record Part10Header(String sopClassUid, String sopInstanceUid, String transferSyntaxUid, long dataSetOffset,
                           long dataSetLength) {

    public static final String DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN = "1.2.840.10008.1.2.1.99";

    /** The file is readable but is not a Part 10 file we can send: sending it again cannot help. */
    public static final class MalformedException extends IOException {
        MalformedException(String message) {
            super(message);
        }
    }

    private static final int PREAMBLE = 128;
    /** Real file meta is a few hundred bytes; a bound keeps a corrupt file from costing memory. */
    private static final int MAX_META_LENGTH = 64 * 1024;

    public static Part10Header read(Path file) throws IOException {
        long size = Files.size(file);
        byte[] head;
        try (InputStream in = Files.newInputStream(file)) {
            // the group length, when the file starts with it, says how much to read: the meta only,
            // not 64 KiB of every file sent
            byte[] start = in.readNBytes(PREAMBLE + 4 + 12);
            long groupLength = start.length == PREAMBLE + 4 + 12 && start[132] == 2 && start[133] == 0 && start[134] == 0
                    && start[135] == 0 && start[136] == 'U' && start[137] == 'L'
                    ? (start[140] & 0xFFL) | (start[141] & 0xFFL) << 8 | (start[142] & 0xFFL) << 16 | (start[143] & 0xFFL) << 24
                    : -1;
            byte[] rest = in.readNBytes(groupLength >= 0 ? (int) Math.min(groupLength, MAX_META_LENGTH + 1L)
                    : MAX_META_LENGTH - 12);
            head = java.util.Arrays.copyOf(start, start.length + rest.length);
            System.arraycopy(rest, 0, head, start.length, rest.length);
        }
        if (head.length < PREAMBLE + 4 || head[128] != 'D' || head[129] != 'I' || head[130] != 'C' || head[131] != 'M') {
            throw new MalformedException(file + " is not a DICOM Part 10 file (no DICM prefix after the preamble)");
        }
        Meta meta = new Meta(file, head);
        meta.parse();
        if (meta.offset >= size) {
            throw new MalformedException(file + " has file meta but no data set");
        }
        Part10Header header = new Part10Header(meta.require(meta.sopClass, "Media Storage SOP Class UID (0002,0002)"),
                meta.require(meta.sopInstance, "Media Storage SOP Instance UID (0002,0003)"),
                meta.require(meta.transferSyntax, "Transfer Syntax UID (0002,0010)"), meta.offset, size - meta.offset);
        // every element has an even length, so an odd data set is truncated or has junk appended;
        // receivers such as dcmtk abort the association on it, which would look like a passing failure
        if (header.oddLength() && !header.deflated()) {
            throw new MalformedException(file + " cannot be sent: its data set has an odd length (" + header.dataSetLength()
                    + " bytes)");
        }
        return header;
    }

    public boolean deflated() {
        return DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN.equals(transferSyntaxUid);
    }

    /**
     * A deflated stream may end on an odd byte; PS3.5 A.5 has it padded with one NUL, which the
     * sender adds (receivers reject odd fragments). Inflaters ignore the byte.
     */
    public boolean oddLength() {
        return (dataSetLength & 1) == 1;
    }

    /** A walk over group 0002, always explicit VR little endian whatever the data set uses. */
    private static final class Meta {
        private final Path file;
        private final byte[] b;
        private int offset = PREAMBLE + 4;
        private String sopClass;
        private String sopInstance;
        private String transferSyntax;
        private long groupLength = -1;

        Meta(Path file, byte[] b) {
            this.file = file;
            this.b = b;
        }

        void parse() throws MalformedException {
            int end = -1;
            if (b.length - offset >= 12 && le16(offset) == 0x0002 && le16(offset + 2) == 0x0000) {
                element();
                if (groupLength < 0) {
                    throw malformed("its File Meta Information Group Length is not a 4-byte value");
                }
                end = offset + (int) Math.min(groupLength, MAX_META_LENGTH + 1L);
                if (end > b.length) {
                    throw malformed("its File Meta Information Group Length runs past the file meta");
                }
            }
            // the group length says where the data set starts; without one (seen in the wild) the
            // group ends where the first element of another group begins
            while (end >= 0 ? offset < end : b.length - offset >= 2 && le16(offset) == 0x0002) {
                if (end >= 0 && b.length - offset >= 2 && le16(offset) != 0x0002) {
                    throw malformed("its File Meta Information Group Length (" + groupLength + ") reaches past group 0002");
                }
                element();
            }
            if (end >= 0 && offset != end) {
                throw malformed("its File Meta Information Group Length does not end on an element boundary");
            }
        }

        private void element() throws MalformedException {
            if (b.length - offset < 8) {
                throw malformed("its file meta ends inside an element header");
            }
            int group = le16(offset);
            int element = le16(offset + 2);
            if (group != 0x0002) {
                throw malformed(String.format("its file meta holds element (%04X,%04X) from another group", group, element));
            }
            String vr = new String(b, offset + 4, 2, StandardCharsets.US_ASCII);
            long length;
            int header;
            if (longLengthVr(vr)) {
                if (b.length - offset < 12) {
                    throw malformed("its file meta ends inside an element header");
                }
                length = le32(offset + 8);
                header = 12;
            } else {
                length = le16(offset + 6);
                header = 8;
            }
            if (length > b.length - offset - header) {
                throw malformed(String.format("element (0002,%04X) of its file meta runs past the file meta", element));
            }
            int value = offset + header;
            switch (element) {
                case 0x0000 -> groupLength = length == 4 ? le32(value) : -1;
                case 0x0002 -> sopClass = uid(value, (int) length);
                case 0x0003 -> sopInstance = uid(value, (int) length);
                case 0x0010 -> transferSyntax = uid(value, (int) length);
                default -> {
                    // version, implementation, source AE: not needed to send the object
                }
            }
            offset = value + (int) length;
        }

        String require(String uid, String name) throws MalformedException {
            if (uid == null || uid.isEmpty()) {
                throw malformed("its file meta lacks " + name);
            }
            if (uid.length() > 64 || !uid.matches("[0-9]+(\\.[0-9]+)*")) {
                throw malformed("its " + name + " is not a valid UID");
            }
            return uid;
        }

        private String uid(int position, int length) {
            String s = new String(b, position, length, StandardCharsets.US_ASCII);
            int cut = s.length();
            while (cut > 0 && (s.charAt(cut - 1) == '\0' || s.charAt(cut - 1) == ' ')) {
                cut--;
            }
            return s.substring(0, cut).strip();
        }

        private static boolean longLengthVr(String vr) {
            return switch (vr) {
                case "OB", "OD", "OF", "OL", "OV", "OW", "SQ", "SV", "UC", "UN", "UR", "UT", "UV" -> true;
                default -> false;
            };
        }

        private MalformedException malformed(String what) {
            return new MalformedException(file + " cannot be sent: " + what);
        }

        private int le16(int p) {
            return (b[p] & 0xFF) | ((b[p + 1] & 0xFF) << 8);
        }

        private long le32(int p) {
            return (b[p] & 0xFFL) | ((b[p + 1] & 0xFFL) << 8) | ((b[p + 2] & 0xFFL) << 16) | ((b[p + 3] & 0xFFL) << 24);
        }
    }
}
