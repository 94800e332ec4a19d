package org.deidgateway.dicom;

import java.io.EOFException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Checks that a Part 10 file is whole: every element's length, at every nesting level, fits in the
 * file, every undefined-length sequence and item is closed, and the last element ends exactly at
 * the end of the file. Values are skipped, not read: parsing stays PixelMed's. This exists because
 * PixelMed logs a value it cannot read at the end of a stream and returns as if the data set were
 * complete, so an object cut inside its last element (trailing padding, the pixel data of an image
 * without padding, the last text of a report) would otherwise pass as whole.
 *
 * <p>It also refuses what would pass the length check but cannot be parsed later: a VR code PS3.5
 * does not define, a binary value whose length is not a multiple of its value's size, and an
 * undefined length on a VR that cannot have one. An implicit VR element of undefined length in a
 * private group that PixelMed would not read as a sequence (a private creator slot) is noted to be
 * dropped at reading ({@link Summary#dropped}) when nothing around it has
 * a defined length that dropping would break, and refused otherwise: such an element is removed by
 * every profile, and reading past it would lose the rest of the data set.
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
    private static final int SPECIFIC_CHARACTER_SET = 0x00080005;
    private static final int FLOAT_PIXEL_DATA = 0x7FE00008;
    private static final int DOUBLE_FLOAT_PIXEL_DATA = 0x7FE00009;
    private static final int MAX_DEPTH = 64;

    private final FramingInput in;
    private final long size;

    private ElementFraming(FramingInput in, long size) {
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
        try (FramingInput in = new FramingInput(file, size)) {
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
            framing.elements(explicit, bigEndian, Long.MAX_VALUE, 0, true);
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
        /** Float or Double Float Pixel Data at the top level. */
        boolean floatPixelData;
        /** Byte ranges [start, end) of whole elements to leave out when the file is parsed. */
        final List<long[]> dropped = new ArrayList<>();
        final List<Integer> droppedTags = new ArrayList<>();

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

    /**
     * Walks the group 0002 elements (explicit VR little endian); returns the Transfer Syntax UID.
     * PixelMed reads the file meta information as long as its group length says and takes a VR
     * other than the dictionary's for a cue to guess: both must be right here, or the data set
     * after it is read from the wrong byte.
     */
    private String fileMeta() throws IOException, DicomFileException {
        String transferSyntax = null;
        long groupLengthEnd = -1;
        while (in.position() < size) {
            in.mark();
            int group = in.u16(false);
            if (group != 0x0002) {
                in.reset();
                break;
            }
            int element = in.u16(false);
            int vr = in.vr();
            int expected = META_VRS.getOrDefault(element, vr);
            if (!VrCodes.isDefined(vr) || vr != expected) {
                throw new DicomFileException("damaged: file meta element " + tagText(0x00020000 | element) + " has the VR code "
                        + VrCodes.name(vr));
            }
            long length = VrCodes.hasLongLength(vr) ? skipReservedThenU32(false) : in.u16(false);
            if (length == UNDEFINED) {
                throw new DicomFileException("damaged: undefined length in the file meta information");
            }
            checkFits(length);
            if (element == 0x0000) {
                if (length != 4) {
                    throw new DicomFileException("damaged: a file meta group length of " + length + " bytes");
                }
                groupLengthEnd = in.u32(false) + in.position();
            } else if (element == 0x0010) {
                int kept = (int) Math.min(length, 64);
                transferSyntax = new String(in.readNBytes(kept), java.nio.charset.StandardCharsets.US_ASCII)
                        .replace("\0", "").trim();
                in.skip(length - kept);
            } else {
                in.skip(length);
            }
        }
        if (groupLengthEnd >= 0 && groupLengthEnd != in.position()) {
            throw new DicomFileException("damaged: the file meta group length does not match its elements");
        }
        return transferSyntax;
    }

    /** The file meta elements' VRs (PS3.10 7.1). */
    private static final java.util.Map<Integer, Integer> META_VRS = java.util.Map.ofEntries(
            java.util.Map.entry(0x0000, VrCodes.code("UL")), java.util.Map.entry(0x0001, VrCodes.OB),
            java.util.Map.entry(0x0002, VrCodes.code("UI")), java.util.Map.entry(0x0003, VrCodes.code("UI")),
            java.util.Map.entry(0x0010, VrCodes.code("UI")), java.util.Map.entry(0x0012, VrCodes.code("UI")),
            java.util.Map.entry(0x0013, VrCodes.code("SH")), java.util.Map.entry(0x0016, VrCodes.code("AE")),
            java.util.Map.entry(0x0017, VrCodes.code("AE")), java.util.Map.entry(0x0018, VrCodes.code("AE")),
            java.util.Map.entry(0x0026, VrCodes.code("UR")), java.util.Map.entry(0x0027, VrCodes.code("AE")),
            java.util.Map.entry(0x0028, VrCodes.code("UR")), java.util.Map.entry(0x0100, VrCodes.code("UI")),
            java.util.Map.entry(0x0102, VrCodes.OB));

    /**
     * Elements up to {@code end} (a defined length), or up to an item delimiter when end is unbounded.
     * {@code droppable}: no enclosing sequence or item has a defined length, so an element can be
     * left out without making another length wrong.
     */
    private void elements(boolean explicit, boolean bigEndian, long end, int depth, boolean droppable)
            throws IOException, DicomFileException {
        if (depth > MAX_DEPTH) {
            throw new DicomFileException("damaged: sequences nested deeper than " + MAX_DEPTH);
        }
        while (in.position() < Math.min(end, size)) {
            long start = in.position();
            int tag = tag(bigEndian);
            if (tag == ITEM_END) {
                delimiterLength(bigEndian);
                if (end != Long.MAX_VALUE || depth == 0) {
                    throw new DicomFileException("damaged: an item delimiter outside an undefined-length item");
                }
                return;
            }
            if (tag >>> 16 == 0xFFFE) {
                throw new DicomFileException("damaged: a delimiter where an element was expected");
            }
            int vr = explicit ? in.vr() : VrCodes.NONE;
            if (explicit && !VrCodes.isDefined(vr)) {
                throw new DicomFileException("damaged: element " + tagText(tag) + " has the VR code " + VrCodes.name(vr)
                        + ", which PS3.5 does not define");
            }
            long length;
            if (vr == VrCodes.NONE) {
                length = in.u32(bigEndian);
            } else if (VrCodes.hasLongLength(vr)) {
                length = skipReservedThenU32(bigEndian);
            } else {
                length = in.u16(bigEndian);
            }
            if (explicit && tag == SPECIFIC_CHARACTER_SET && vr != VrCodes.CS && vr != VrCodes.UN) {
                // PixelMed fails on any other type for the one attribute it needs to decode the text
                throw new DicomFileException("damaged: Specific Character Set with the VR " + VrCodes.name(vr));
            }
            if (explicit && tag == PIXEL_DATA && vr != VrCodes.OB && vr != VrCodes.OW && vr != VrCodes.UN) {
                throw new DicomFileException("damaged: pixel data with the VR " + VrCodes.name(vr));
            }
            if (length == UNDEFINED) {
                undefinedLength(tag, vr, explicit, bigEndian, depth, droppable, start);
                continue;
            }
            checkFits(length);
            // PixelMed reads an implicit element as its dictionary says: a sequence's value as items
            int readAs = explicit || tag == PIXEL_DATA ? vr : VrCodes.implicitVr(tag);
            int valueSize = VrCodes.valueSize(readAs);
            if (length % valueSize != 0) {
                throw new DicomFileException("damaged: element " + tagText(tag) + " (" + VrCodes.name(readAs) + ") has "
                        + length + " bytes, not a whole number of " + valueSize + "-byte values");
            }
            if (readAs == VrCodes.SQ) {
                long contentEnd = in.position() + length;
                definedItems(explicit, bigEndian, contentEnd, depth + 1);
            } else if (depth == 0 && NOTED.contains(tag) && length <= 128) {
                if (explicit && vr != VrCodes.implicitVr(tag) && vr != VrCodes.UN) {
                    // the receiver judges the object by these: they must mean what PixelMed will read
                    throw new DicomFileException("damaged: element " + tagText(tag) + " has the VR " + VrCodes.name(vr)
                            + ", not the dictionary's");
                }
                summary.values.put(tag, in.readNBytes((int) length));
            } else {
                if (depth == 0 && tag == PIXEL_DATA) {
                    summary.pixelDataLength = length;
                }
                if (depth == 0 && (tag == FLOAT_PIXEL_DATA || tag == DOUBLE_FLOAT_PIXEL_DATA)) {
                    summary.floatPixelData = true;
                }
                in.skip(length);
            }
        }
        if (end != Long.MAX_VALUE && in.position() != end) {
            throw new DicomFileException("damaged: elements overrun their item or sequence");
        }
        if (end == Long.MAX_VALUE && depth > 0) {
            throw new EOFException();
        }
    }

    /**
     * A sequence, encapsulated pixel data (opaque fragments), or UN holding a sequence in implicit
     * VR little endian (PS3.5 6.2.2); nothing else may have an undefined length (PS3.5 7.1.1).
     */
    private void undefinedLength(int tag, int vr, boolean explicit, boolean bigEndian, int depth, boolean droppable,
                                 long start) throws IOException, DicomFileException {
        // encapsulated fragments exist only as Pixel Data (PS3.5 A.4), and PixelMed reads them only there
        boolean fragments = tag == PIXEL_DATA;
        if (explicit && !fragments && vr != VrCodes.SQ && vr != VrCodes.UN) {
            throw new DicomFileException("damaged: element " + tagText(tag) + " (" + VrCodes.name(vr)
                    + ") has an undefined length");
        }
        boolean drop = false;
        if (!explicit && tag != PIXEL_DATA) {
            int assumed = VrCodes.implicitVr(tag);
            drop = assumed != VrCodes.SQ && assumed != VrCodes.UN;
            if (drop && (tag >>> 16) % 2 == 0) {
                // a standard attribute that is no sequence cannot have an undefined length: dcmtk fails on it too
                throw new DicomFileException("damaged: element " + tagText(tag) + " (" + VrCodes.name(assumed)
                        + " in the dictionary) has an undefined length");
            }
            if (drop && !droppable) {
                throw new DicomFileException("damaged: element " + tagText(tag) + " has an undefined length but is no "
                        + "sequence to the dictionary, inside an item of defined length");
            }
        }
        boolean un = vr == VrCodes.UN;
        int counted = items(!un && explicit, !un && bigEndian, depth + 1, fragments, droppable);
        if (depth == 0 && tag == PIXEL_DATA) {
            summary.pixelDataFragments = counted;
        }
        if (drop) {
            // what was noted inside goes with it: ranges stay disjoint and in order
            while (!summary.dropped.isEmpty() && summary.dropped.get(summary.dropped.size() - 1)[0] >= start) {
                summary.dropped.remove(summary.dropped.size() - 1);
                summary.droppedTags.remove(summary.droppedTags.size() - 1);
            }
            summary.dropped.add(new long[] {start, in.position()});
            summary.droppedTags.add(tag);
        }
    }

    /** Items of an undefined-length sequence (or fragments of pixel data) up to the sequence delimiter; how many. */
    private int items(boolean explicit, boolean bigEndian, int depth, boolean fragments, boolean droppable)
            throws IOException, DicomFileException {
        int count = 0;
        while (true) {
            int tag = tag(bigEndian);
            if (tag == SEQUENCE_END) {
                delimiterLength(bigEndian);
                return count;
            }
            long length = in.u32(bigEndian);
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
                item(explicit, bigEndian, length, depth, droppable);
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
            item(explicit, bigEndian, length, depth, false);
        }
        if (in.position() != end) {
            throw new DicomFileException("damaged: sequence items overrun their sequence");
        }
    }

    private void item(boolean explicit, boolean bigEndian, long length, int depth, boolean droppable)
            throws IOException, DicomFileException {
        if (length == UNDEFINED) {
            elements(explicit, bigEndian, Long.MAX_VALUE, depth, droppable);
        } else {
            checkFits(length);
            elements(explicit, bigEndian, in.position() + length, depth, false);
        }
    }

    private int tag(boolean bigEndian) throws IOException {
        int group = in.u16(bigEndian);
        int element = in.u16(bigEndian);
        return group << 16 | element;
    }

    /** PS3.5 7.5: a delimiter's length is 00000000H; pydicom reads another as a length to skip. */
    private void delimiterLength(boolean bigEndian) throws IOException, DicomFileException {
        if (in.u32(bigEndian) != 0) {
            throw new DicomFileException("damaged: a delimiter with a length other than zero");
        }
    }

    private static String tagText(int tag) {
        return String.format("(%04X,%04X)", tag >>> 16, tag & 0xFFFF);
    }

    /** PS3.5 7.1.2: the reserved bytes are 0000H; PixelMed takes anything else for a sign of implicit VR. */
    private long skipReservedThenU32(boolean bigEndian) throws IOException, DicomFileException {
        if (in.u16(bigEndian) != 0) {
            throw new DicomFileException("damaged: an element whose reserved bytes after the VR are not zero");
        }
        return in.u32(bigEndian);
    }

    private void checkFits(long length) throws EOFException {
        if (in.position() + length > size) {
            throw new EOFException();
        }
    }
}
