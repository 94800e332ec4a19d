package org.deidgateway.dicom;

import com.pixelmed.dicom.AttributeList;
import com.pixelmed.dicom.DicomException;
import com.pixelmed.dicom.DicomInputStream;
import com.pixelmed.dicom.TagFromName;
import com.pixelmed.dicom.TransferSyntax;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Reads a Part 10 file's elements with PixelMed but steps over the Pixel Data: the header up to
 * (7FE0,0010), the pixel element walked by its lengths (items of encapsulated data one by one),
 * then whatever follows it. Memory stays the size of the header whatever the pixel data weigh
 * (a 2 GB multi-frame object included), and 16-bit pixels are not decoded word by word.
 *
 * <p>Returns null when the file is not one it can step through safely (no Part 10 prefix, deflated,
 * no pixel data, or anything unexpected): the caller then reads it whole, which also gives the
 * precise reason when the file is damaged. It throws only for what it has proven: pixel data
 * shorter than the image, fewer fragments than frames, or a file that ends inside the pixel data.
 */
final class HeaderFirstReader {

    private static final int ITEM = 0xE000;
    private static final int SEQUENCE_DELIMITER = 0xE0DD;

    /** The elements read (meta information included), where the pixel data lie, and the syntax. */
    record Result(AttributeList list, PixelDataOnDisk pixels, TransferSyntax transferSyntax) {
    }

    private HeaderFirstReader() {
    }

    static Result read(Path file, long size) throws DicomFileException {
        try (CountingInputStream counted = new CountingInputStream(
                new BufferedInputStream(DicomFiles.openBounded(file, size), 64 * 1024))) {
            if (!DicomFiles.hasPart10Prefix(counted)) {
                return null;
            }
            DicomInputStream in = new DicomInputStream(counted);
            AttributeList list = new AttributeList();
            list.setDecompressPixelData(false);
            list.read(in, TagFromName.PixelData);
            TransferSyntax ts = in.getTransferSyntaxToReadDataSet();
            if (ts == null || ts.isDeflated() || list.get(TagFromName.PixelData) != null || counted.count() >= size) {
                return null;
            }
            // PixelMed stops having read the 4-byte tag of the element at or after (7FE0,0010);
            // only if that tag is the Pixel Data itself is there something to step over
            long tagStart = counted.count() - 4;
            if (!isPixelDataTag(file, tagStart, ts.isBigEndian())) {
                return null;
            }
            PixelDataOnDisk pixels = stepOverPixelData(file, counted, ts, list, size);
            AttributeList trailing = new AttributeList();
            trailing.read(in);
            if (counted.count() != size) {
                return null;
            }
            list.putAll(trailing);
            return new Result(list, pixels, ts);
        } catch (DicomFileException e) {
            throw e;
        } catch (DicomException | IOException | RuntimeException e) {
            return null;
        }
    }

    private static boolean isPixelDataTag(Path file, long at, boolean bigEndian) throws IOException {
        ByteBuffer tag = ByteBuffer.allocate(4).order(bigEndian ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            while (tag.hasRemaining()) {
                if (channel.read(tag, at + tag.position()) < 0) {
                    return false;
                }
            }
        }
        tag.flip();
        return (tag.getShort() & 0xFFFF) == 0x7FE0 && (tag.getShort() & 0xFFFF) == 0x0010;
    }

    /** Consumes the pixel element after its tag. */
    private static PixelDataOnDisk stepOverPixelData(Path file, CountingInputStream in, TransferSyntax ts,
                                                     AttributeList header, long size) throws IOException, DicomFileException {
        long length;
        String vr = null;
        if (ts.isExplicitVR()) {
            byte[] vrAndLength = in.readNBytes(8);
            if (vrAndLength.length < 8) {
                throw new DicomFileException("truncated: the file ends at the pixel data");
            }
            vr = new String(vrAndLength, 0, 2, java.nio.charset.StandardCharsets.US_ASCII);
            if (!vr.equals("OB") && !vr.equals("OW") && !vr.equals("UN")) {
                throw new DicomFileException("damaged: pixel data with VR " + vr.replaceAll("[^A-Z]", "?"));
            }
            length = unsigned32(vrAndLength, 4, ts.isBigEndian());
        } else {
            byte[] raw = in.readNBytes(4);
            if (raw.length < 4) {
                throw new DicomFileException("truncated: the file ends at the pixel data");
            }
            length = unsigned32(raw, 0, ts.isBigEndian());
        }
        if (length != 0xFFFFFFFFL) {
            long needed = DicomFiles.nativePixelBytes(header);
            if (length < needed) {
                throw new DicomFileException("truncated: pixel data has " + length + " bytes, the image needs " + needed);
            }
            if (in.count() + length > size) {
                throw new DicomFileException("truncated: the file ends inside the pixel data");
            }
            long valueOffset = in.count();
            in.skipNBytes(length);
            return new PixelDataOnDisk(file, valueOffset, length, vr, false);
        }
        long valueOffset = in.count();
        int fragments = stepOverItems(in, size);
        long frames = Math.max(1, com.pixelmed.dicom.Attribute.getSingleIntegerValueOrDefault(header,
                TagFromName.NumberOfFrames, 1));
        // the first item is the basic offset table; each frame needs at least one fragment after it
        if (fragments - 1 < frames) {
            throw new DicomFileException("truncated: " + Math.max(0, fragments - 1) + " compressed fragments for " + frames
                    + " declared frames");
        }
        return new PixelDataOnDisk(file, valueOffset, in.count() - valueOffset, vr, true);
    }

    /** Encapsulated pixel data: items (FFFE,E000) up to the sequence delimiter, always little endian. */
    private static int stepOverItems(CountingInputStream in, long size) throws IOException, DicomFileException {
        int items = 0;
        while (true) {
            byte[] header = in.readNBytes(8);
            if (header.length < 8) {
                throw new DicomFileException("truncated: the file ends inside the compressed pixel data");
            }
            int group = (header[0] & 0xFF) | (header[1] & 0xFF) << 8;
            int element = (header[2] & 0xFF) | (header[3] & 0xFF) << 8;
            long length = unsigned32(header, 4, false);
            if (group != 0xFFFE || (element != ITEM && element != SEQUENCE_DELIMITER)) {
                throw new DicomFileException("damaged: unexpected element inside the compressed pixel data");
            }
            if (element == SEQUENCE_DELIMITER) {
                return items;
            }
            if (length == 0xFFFFFFFFL || in.count() + length > size) {
                throw new DicomFileException("truncated: the file ends inside the compressed pixel data");
            }
            in.skipNBytes(length);
            items++;
        }
    }

    private static long unsigned32(byte[] b, int at, boolean bigEndian) {
        return bigEndian
                ? (b[at] & 0xFFL) << 24 | (b[at + 1] & 0xFFL) << 16 | (b[at + 2] & 0xFFL) << 8 | (b[at + 3] & 0xFFL)
                : (b[at] & 0xFFL) | (b[at + 1] & 0xFFL) << 8 | (b[at + 2] & 0xFFL) << 16 | (b[at + 3] & 0xFFL) << 24;
    }

    /** Knows how many bytes it has handed out, so positions in the file are known without seeking. */
    static final class CountingInputStream extends FilterInputStream {
        private long count;
        private long mark;

        CountingInputStream(InputStream in) {
            super(in);
        }

        long count() {
            return count;
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                count++;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) {
                count += n;
            }
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            long skipped = super.skip(n);
            count += skipped;
            return skipped;
        }

        @Override
        public void skipNBytes(long n) throws IOException {
            while (n > 0) {
                long skipped = skip(n);
                if (skipped <= 0) {
                    if (read() < 0) {
                        throw new EOFException();
                    }
                    skipped = 1;
                }
                n -= skipped;
            }
        }

        // one reader thread per stream, and PixelMed marks before nearly every element: no lock here
        @Override
        public void mark(int limit) {
            super.mark(limit);
            mark = count;
        }

        @Override
        public void reset() throws IOException {
            super.reset();
            count = mark;
        }
    }
}
