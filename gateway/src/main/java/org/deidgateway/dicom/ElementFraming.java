package org.deidgateway.dicom;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

/**
 * Checks that a Part 10 file is whole: every element's length, at every nesting level, fits in the
 * file, every undefined-length sequence and item is closed, and the last element ends exactly at
 * the end of the file. Values are skipped, not read: parsing stays PixelMed's. This exists because
 * PixelMed logs a value it cannot read at the end of a stream and returns as if the data set were
 * complete, so an object cut inside its last element (trailing padding, the pixel data of an image
 * without padding, the last text of a report) would otherwise pass as whole.
 *
 * <p>Files this does not understand (no Part 10 prefix, deflated) are left to PixelMed's reading.
 */
final class ElementFraming {

    private static final String DEFLATED = "1.2.840.10008.1.2.1.99";
    private static final String IMPLICIT_LITTLE = "1.2.840.10008.1.2";
    private static final String EXPLICIT_BIG = "1.2.840.10008.1.2.2";
    private static final long UNDEFINED = 0xFFFFFFFFL;
    private static final int ITEM = 0xFFFEE000;
    private static final int ITEM_END = 0xFFFEE00D;
    private static final int SEQUENCE_END = 0xFFFEE0DD;
    private static final int PIXEL_DATA = 0x7FE00010;
    /** Explicit VRs with a 2-byte reserved field and a 4-byte length (PS3.5 7.1.2). */
    private static final Set<String> LONG_VRS = Set.of("OB", "OD", "OF", "OL", "OV", "OW", "SQ", "SV", "UC", "UN", "UR",
            "UT", "UV");
    private static final int MAX_DEPTH = 64;

    private final Input in;
    private final long size;

    private ElementFraming(Input in, long size) {
        this.in = in;
        this.size = size;
    }

    /**
     * Throws when the file is cut or its element lengths do not add up. Returns what was noted on the
     * way (null when the file is not one it walks: no Part 10 prefix, deflated).
     */
    static Summary check(Path file, long size) throws DicomFileException, IOException {
        try (Input in = new Input(new BufferedInputStream(Files.newInputStream(file), 16 * 1024))) {
            byte[] head = in.readNBytes(132);
            if (head.length < 132 || head[128] != 'D' || head[129] != 'I' || head[130] != 'C' || head[131] != 'M') {
                return null;
            }
            ElementFraming framing = new ElementFraming(in, size);
            String transferSyntax = framing.fileMeta();
            if (transferSyntax == null || transferSyntax.equals(DEFLATED)) {
                return null;
            }
            boolean explicit = !transferSyntax.equals(IMPLICIT_LITTLE);
            boolean bigEndian = transferSyntax.equals(EXPLICIT_BIG);
            framing.summary.bigEndian = bigEndian;
            framing.elements(explicit, bigEndian, Long.MAX_VALUE, 0);
            if (framing.in.position() != size) {
                throw new DicomFileException("damaged: " + (size - framing.in.position()) + " bytes after the last element");
            }
            return framing.summary;
        } catch (EOFException e) {
            throw new DicomFileException("truncated: the file ends inside an element");
        }
    }

    /**
     * The few top-level values the receiver's check needs (SOP class and instance, image geometry),
     * and the pixel data's length and fragment count, noted while walking: enough to tell a complete
     * object of the announced instance without handing its header to PixelMed.
     */
    static final class Summary {
        private final java.util.Map<Integer, byte[]> values = new java.util.HashMap<>();
        private boolean bigEndian;
        long pixelDataLength = -1;
        int pixelDataFragments = -1;

        String string(int tag) {
            byte[] v = values.get(tag);
            return v == null ? "" : new String(v, java.nio.charset.StandardCharsets.US_ASCII).replace("\0", "").trim();
        }

        /** A US value, or a number written as text (IS); {@code otherwise} when absent or unreadable. */
        long number(int tag, long otherwise) {
            byte[] v = values.get(tag);
            if (v == null || v.length == 0) {
                return otherwise;
            }
            if (tag >>> 16 == 0x0028 && tag != NUMBER_OF_FRAMES && v.length == 2) {
                return bigEndian ? (v[0] & 0xFF) << 8 | (v[1] & 0xFF) : (v[0] & 0xFF) | (v[1] & 0xFF) << 8;
            }
            try {
                return Long.parseLong(string(tag));
            } catch (NumberFormatException e) {
                return otherwise;
            }
        }
    }

    static final int SOP_CLASS_UID = 0x00080016;
    static final int SOP_INSTANCE_UID = 0x00080018;
    static final int SAMPLES_PER_PIXEL = 0x00280002;
    static final int PHOTOMETRIC_INTERPRETATION = 0x00280004;
    static final int NUMBER_OF_FRAMES = 0x00280008;
    static final int ROWS = 0x00280010;
    static final int COLUMNS = 0x00280011;
    static final int BITS_ALLOCATED = 0x00280100;
    private static final Set<Integer> NOTED = Set.of(SOP_CLASS_UID, SOP_INSTANCE_UID, SAMPLES_PER_PIXEL,
            PHOTOMETRIC_INTERPRETATION, NUMBER_OF_FRAMES, ROWS, COLUMNS, BITS_ALLOCATED);
    private final Summary summary = new Summary();

    /** Walks the group 0002 elements (explicit VR little endian); returns the Transfer Syntax UID. */
    private String fileMeta() throws IOException, DicomFileException {
        String transferSyntax = null;
        while (in.position() < size) {
            in.mark();
            int group = in.u16(false);
            if (group != 0x0002) {
                in.reset();
                break;
            }
            int element = in.u16(false);
            String vr = in.vr();
            long length = LONG_VRS.contains(vr) ? skipReservedThenU32(false) : in.u16(false);
            if (length == UNDEFINED) {
                throw new DicomFileException("damaged: undefined length in the file meta information");
            }
            checkFits(length);
            if (element == 0x0010) {
                transferSyntax = new String(in.readNBytes((int) Math.min(length, 64)), java.nio.charset.StandardCharsets.US_ASCII)
                        .replace("\0", "").trim();
            } else {
                in.skip(length);
            }
        }
        return transferSyntax;
    }

    /** Elements up to {@code end} (a defined length), or up to an item delimiter when end is unbounded. */
    private void elements(boolean explicit, boolean bigEndian, long end, int depth) throws IOException, DicomFileException {
        if (depth > MAX_DEPTH) {
            throw new DicomFileException("damaged: sequences nested deeper than " + MAX_DEPTH);
        }
        while (in.position() < Math.min(end, size)) {
            int tag = tag(bigEndian);
            if (tag == ITEM_END) {
                in.u32(bigEndian);
                if (end != Long.MAX_VALUE || depth == 0) {
                    throw new DicomFileException("damaged: an item delimiter outside an undefined-length item");
                }
                return;
            }
            if (tag >>> 16 == 0xFFFE) {
                throw new DicomFileException("damaged: a delimiter where an element was expected");
            }
            String vr = explicit && (tag >>> 16) != 0xFFFE ? in.vr() : null;
            long length;
            if (vr == null) {
                length = in.u32(bigEndian);
            } else if (LONG_VRS.contains(vr)) {
                length = skipReservedThenU32(bigEndian);
            } else {
                length = in.u16(bigEndian);
            }
            if (length == UNDEFINED) {
                // a sequence, encapsulated pixel data (opaque fragments), or UN holding a sequence in
                // implicit VR little endian (PS3.5 6.2.2)
                boolean un = "UN".equals(vr);
                boolean fragments = tag == PIXEL_DATA || "OB".equals(vr) || "OW".equals(vr);
                int counted = items(!un && explicit, !un && bigEndian, depth + 1, fragments);
                if (depth == 0 && tag == PIXEL_DATA) {
                    summary.pixelDataFragments = counted;
                }
            } else {
                checkFits(length);
                if ("SQ".equals(vr)) {
                    long contentEnd = in.position() + length;
                    definedItems(explicit, bigEndian, contentEnd, depth + 1);
                } else if (depth == 0 && NOTED.contains(tag) && length <= 128) {
                    summary.values.put(tag, in.readNBytes((int) length));
                } else {
                    if (depth == 0 && tag == PIXEL_DATA) {
                        summary.pixelDataLength = length;
                    }
                    in.skip(length);
                }
            }
        }
        if (end != Long.MAX_VALUE && in.position() != end) {
            throw new DicomFileException("damaged: elements overrun their item or sequence");
        }
        if (end == Long.MAX_VALUE && depth > 0) {
            throw new EOFException();
        }
    }

    /** Items of an undefined-length sequence (or fragments of pixel data) up to the sequence delimiter. */
    /** Returns how many items there were. */
    private int items(boolean explicit, boolean bigEndian, int depth, boolean fragments)
            throws IOException, DicomFileException {
        int count = 0;
        while (true) {
            int tag = tag(bigEndian);
            long length = in.u32(bigEndian);
            if (tag == SEQUENCE_END) {
                return count;
            }
            count++;
            if (tag != ITEM) {
                throw new DicomFileException("damaged: an element where a sequence item was expected");
            }
            if (fragments) {
                if (length == UNDEFINED) {
                    throw new DicomFileException("damaged: a pixel data fragment of undefined length");
                }
                checkFits(length);
                in.skip(length);
            } else {
                item(explicit, bigEndian, length, depth);
            }
        }
    }

    /** Items of a defined-length sequence, which must end exactly at {@code end}. */
    private void definedItems(boolean explicit, boolean bigEndian, long end, int depth) throws IOException, DicomFileException {
        while (in.position() < end) {
            int tag = tag(bigEndian);
            long length = in.u32(bigEndian);
            if (tag != ITEM) {
                throw new DicomFileException("damaged: an element where a sequence item was expected");
            }
            item(explicit, bigEndian, length, depth);
        }
        if (in.position() != end) {
            throw new DicomFileException("damaged: sequence items overrun their sequence");
        }
    }

    private void item(boolean explicit, boolean bigEndian, long length, int depth) throws IOException, DicomFileException {
        if (length == UNDEFINED) {
            elements(explicit, bigEndian, Long.MAX_VALUE, depth);
        } else {
            checkFits(length);
            elements(explicit, bigEndian, in.position() + length, depth);
        }
    }

    private int tag(boolean bigEndian) throws IOException {
        int group = in.u16(bigEndian);
        int element = in.u16(bigEndian);
        return group << 16 | element;
    }

    private long skipReservedThenU32(boolean bigEndian) throws IOException {
        in.skip(2);
        return in.u32(bigEndian);
    }

    private void checkFits(long length) throws EOFException {
        if (in.position() + length > size) {
            throw new EOFException();
        }
    }

    /** A stream that knows its position and reads DICOM's fixed-size fields. */
    private static final class Input implements AutoCloseable {
        private final InputStream in;
        private long position;
        private long mark;

        Input(InputStream in) {
            this.in = in;
        }

        long position() {
            return position;
        }

        void mark() {
            in.mark(16);
            mark = position;
        }

        void reset() throws IOException {
            in.reset();
            position = mark;
        }

        byte[] readNBytes(int n) throws IOException {
            byte[] bytes = in.readNBytes(n);
            position += bytes.length;
            return bytes;
        }

        private byte[] exactly(int n) throws IOException {
            byte[] bytes = readNBytes(n);
            if (bytes.length < n) {
                throw new EOFException();
            }
            return bytes;
        }

        int u16(boolean bigEndian) throws IOException {
            byte[] b = exactly(2);
            return bigEndian ? (b[0] & 0xFF) << 8 | (b[1] & 0xFF) : (b[0] & 0xFF) | (b[1] & 0xFF) << 8;
        }

        long u32(boolean bigEndian) throws IOException {
            byte[] b = exactly(4);
            return bigEndian
                    ? (b[0] & 0xFFL) << 24 | (b[1] & 0xFFL) << 16 | (b[2] & 0xFFL) << 8 | (b[3] & 0xFFL)
                    : (b[0] & 0xFFL) | (b[1] & 0xFFL) << 8 | (b[2] & 0xFFL) << 16 | (b[3] & 0xFFL) << 24;
        }

        String vr() throws IOException {
            byte[] b = exactly(2);
            return new String(b, java.nio.charset.StandardCharsets.US_ASCII);
        }

        void skip(long n) throws IOException {
            in.skipNBytes(n);
            position += n;
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }
}
