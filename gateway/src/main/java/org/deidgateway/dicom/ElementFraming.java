package org.deidgateway.dicom;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
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
    private static final int NO_VR = 0;
    private static final int OB = vr("OB");
    private static final int OW = vr("OW");
    private static final int SQ = vr("SQ");
    private static final int UN = vr("UN");

    private static int vr(String code) {
        return code.charAt(0) << 8 | code.charAt(1);
    }

    /** Explicit VRs with a 2-byte reserved field and a 4-byte length (PS3.5 7.1.2). */
    private static boolean isLong(int vr) {
        return switch (vr) {
            case 0x4F42, 0x4F44, 0x4F46, 0x4F4C, 0x4F56, 0x4F57, // OB OD OF OL OV OW
                 0x5351, 0x5356, 0x5543, 0x554E, 0x5552, 0x5554, 0x5556 -> true; // SQ SV UC UN UR UT UV
            default -> false;
        };
    }

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
        if (size < 132) {
            return null;
        }
        try (Input in = new Input(file)) {
            byte[] head = in.readNBytes(132);
            if (head[128] != 'D' || head[129] != 'I' || head[130] != 'C' || head[131] != 'M') {
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
            int vr = in.vr();
            long length = isLong(vr) ? skipReservedThenU32(false) : in.u16(false);
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
            int vr = explicit && (tag >>> 16) != 0xFFFE ? in.vr() : NO_VR;
            long length;
            if (vr == NO_VR) {
                length = in.u32(bigEndian);
            } else if (isLong(vr)) {
                length = skipReservedThenU32(bigEndian);
            } else {
                length = in.u16(bigEndian);
            }
            if (length == UNDEFINED) {
                // a sequence, encapsulated pixel data (opaque fragments), or UN holding a sequence in
                // implicit VR little endian (PS3.5 6.2.2)
                boolean un = vr == UN;
                boolean fragments = tag == PIXEL_DATA || vr == OB || vr == OW;
                int counted = items(!un && explicit, !un && bigEndian, depth + 1, fragments);
                if (depth == 0 && tag == PIXEL_DATA) {
                    summary.pixelDataFragments = counted;
                }
            } else {
                checkFits(length);
                if (vr == SQ) {
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

    /**
     * Reads the file through one buffer with the position known, so that fields are taken from the
     * buffer without allocating and values are skipped by moving the position (a seek, for pixel
     * data): the walk costs little more than reading the header's bytes once.
     */
    private static final class Input implements AutoCloseable {
        private final FileChannel channel;
        private final ByteBuffer buffer = ByteBuffer.allocate(16 * 1024);
        /** The file position of the buffer's first byte. */
        private long bufferStart;
        private long mark;

        Input(Path file) throws IOException {
            this.channel = FileChannel.open(file, StandardOpenOption.READ);
            buffer.limit(0);
        }

        long position() {
            return bufferStart + buffer.position();
        }

        void mark() {
            mark = position();
        }

        void reset() {
            seek(mark);
        }

        private void seek(long to) {
            if (to >= bufferStart && to <= bufferStart + buffer.limit()) {
                buffer.position((int) (to - bufferStart));
            } else {
                bufferStart = to;
                buffer.clear().limit(0);
            }
        }

        /** Makes {@code n} bytes (at most the buffer's size) available, or throws at the end of the file. */
        private void need(int n) throws IOException {
            if (buffer.remaining() >= n) {
                return;
            }
            bufferStart += buffer.position();
            buffer.compact();
            while (buffer.position() < n) {
                if (channel.read(buffer, bufferStart + buffer.position()) < 0) {
                    throw new EOFException();
                }
            }
            buffer.flip();
        }

        byte[] readNBytes(int n) throws IOException {
            need(n);
            byte[] bytes = new byte[n];
            buffer.get(bytes);
            return bytes;
        }

        int u16(boolean bigEndian) throws IOException {
            need(2);
            int b0 = buffer.get() & 0xFF;
            int b1 = buffer.get() & 0xFF;
            return bigEndian ? b0 << 8 | b1 : b0 | b1 << 8;
        }

        long u32(boolean bigEndian) throws IOException {
            need(4);
            long b0 = buffer.get() & 0xFFL;
            long b1 = buffer.get() & 0xFFL;
            long b2 = buffer.get() & 0xFFL;
            long b3 = buffer.get() & 0xFFL;
            return bigEndian ? b0 << 24 | b1 << 16 | b2 << 8 | b3 : b0 | b1 << 8 | b2 << 16 | b3 << 24;
        }

        /** The two VR characters as one number, 'O','B' -> 0x4F42. */
        int vr() throws IOException {
            need(2);
            return (buffer.get() & 0xFF) << 8 | (buffer.get() & 0xFF);
        }

        void skip(long n) throws IOException {
            long to = position() + n;
            if (to > channel.size()) {
                throw new EOFException();
            }
            seek(to);
        }

        @Override
        public void close() throws IOException {
            channel.close();
        }
    }
}
