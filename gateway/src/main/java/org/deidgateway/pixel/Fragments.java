package org.deidgateway.pixel;

import org.deidgateway.dicom.PixelDataOnDisk;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * The items of encapsulated pixel data in their file (PS3.5 A.4): the Basic Offset Table and the
 * fragments, by position only, and which fragments make up each frame. Fragment bytes are read one
 * frame at a time.
 */
final class Fragments {

    private static final int ITEM = 0xFFFEE000;
    private static final int SEQUENCE_DELIMITER = 0xFFFEE0DD;
    /** A fragment larger than this is no image we clean in memory. */
    private static final long MAX_FRAME_BYTES = 512L * 1024 * 1024;

    private record Fragment(long offset, long length, long itemStart) {
    }

    private final PixelDataOnDisk pixels;
    private final List<List<Fragment>> frames;

    private Fragments(PixelDataOnDisk pixels, List<List<Fragment>> frames) {
        this.pixels = pixels;
        this.frames = frames;
    }

    static Fragments read(PixelDataOnDisk pixels, int frameCount, boolean jpeg) throws IOException, PixelDataException {
        List<Fragment> fragments = new ArrayList<>();
        long[] table;
        try (FileChannel ch = FileChannel.open(pixels.file(), StandardOpenOption.READ)) {
            long at = pixels.valueOffset();
            long end = pixels.valueOffset() + pixels.valueLength();
            ByteBuffer header = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            table = null;
            while (at + 8 <= end) {
                header.clear();
                readFully(ch, header, at);
                header.flip();
                int tag = (header.getShort() & 0xFFFF) << 16 | (header.getShort() & 0xFFFF);
                long length = header.getInt() & 0xFFFFFFFFL;
                if (tag == SEQUENCE_DELIMITER) {
                    break;
                }
                if (tag != ITEM || at + 8 + length > end) {
                    throw new PixelDataException("encapsulated pixel data are not a sequence of items that fits the file");
                }
                if (table == null) {
                    if (length % 4 != 0) {
                        throw new PixelDataException("the Basic Offset Table's length is no multiple of 4");
                    }
                    ByteBuffer t = ByteBuffer.allocate((int) Math.min(length, 4L * 1_000_000)).order(ByteOrder.LITTLE_ENDIAN);
                    if (length > t.capacity()) {
                        throw new PixelDataException("a Basic Offset Table of more than a million frames");
                    }
                    readFully(ch, t, at + 8);
                    t.flip();
                    table = new long[(int) (length / 4)];
                    for (int i = 0; i < table.length; i++) {
                        table[i] = t.getInt() & 0xFFFFFFFFL;
                    }
                } else {
                    fragments.add(new Fragment(at + 8, length, at));
                }
                at += 8 + length;
            }
        }
        if (table == null || fragments.isEmpty()) {
            throw new PixelDataException("encapsulated pixel data without fragments");
        }
        return new Fragments(pixels, group(fragments, table, frameCount, jpeg, pixels));
    }

    private static List<List<Fragment>> group(List<Fragment> fragments, long[] table, int frameCount, boolean jpeg,
                                              PixelDataOnDisk pixels) throws IOException, PixelDataException {
        List<List<Fragment>> frames = new ArrayList<>();
        if (fragments.size() == frameCount) {
            for (Fragment f : fragments) {
                frames.add(List.of(f));
            }
            return frames;
        }
        if (frameCount == 1) {
            frames.add(fragments);
            return frames;
        }
        if (table.length == frameCount) {
            long first = fragments.get(0).itemStart();
            for (int i = 0; i < frameCount; i++) {
                long from = first + table[i];
                long to = i + 1 < frameCount ? first + table[i + 1] : Long.MAX_VALUE;
                List<Fragment> frame = new ArrayList<>();
                for (Fragment f : fragments) {
                    if (f.itemStart() >= from && f.itemStart() < to) {
                        frame.add(f);
                    }
                }
                if (frame.isEmpty()) {
                    throw new PixelDataException("the Basic Offset Table points at no fragment for frame " + (i + 1));
                }
                frames.add(frame);
            }
            return frames;
        }
        if (jpeg) {
            // no table: a frame ends with the fragment whose data end in an EOI marker
            List<Fragment> frame = new ArrayList<>();
            try (FileChannel ch = FileChannel.open(pixels.file(), StandardOpenOption.READ)) {
                for (Fragment f : fragments) {
                    frame.add(f);
                    if (endsWithEoi(ch, f)) {
                        frames.add(frame);
                        frame = new ArrayList<>();
                    }
                }
            }
            if (frames.size() == frameCount && frame.isEmpty()) {
                return frames;
            }
        }
        throw new PixelDataException(fragments.size() + " fragments for " + frameCount + " frames, and no offset table "
                + "that tells which belong to which frame");
    }

    private static boolean endsWithEoi(FileChannel ch, Fragment f) throws IOException {
        if (f.length() < 2) {
            return false;
        }
        ByteBuffer tail = ByteBuffer.allocate((int) Math.min(4, f.length()));
        readFully(ch, tail, f.offset() + f.length() - tail.capacity());
        byte[] b = tail.array();
        for (int i = b.length - 2; i >= 0; i--) {
            if ((b[i] & 0xFF) == 0xFF && (b[i + 1] & 0xFF) == 0xD9) {
                return true;
            }
        }
        return false;
    }

    int frameCount() {
        return frames.size();
    }

    /** The bytes of frame {@code index}: its fragments' values joined. */
    byte[] frame(int index) throws IOException, PixelDataException {
        long total = 0;
        for (Fragment f : frames.get(index)) {
            total += f.length();
        }
        if (total > MAX_FRAME_BYTES) {
            throw new PixelDataException("a compressed frame of " + total + " bytes is too large to clean in memory");
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream((int) total);
        try (FileChannel ch = FileChannel.open(pixels.file(), StandardOpenOption.READ)) {
            for (Fragment f : frames.get(index)) {
                ByteBuffer b = ByteBuffer.allocate((int) f.length());
                readFully(ch, b, f.offset());
                out.write(b.array());
            }
        }
        return out.toByteArray();
    }

    static void readFully(FileChannel ch, ByteBuffer buffer, long position) throws IOException {
        long at = position;
        while (buffer.hasRemaining()) {
            int n = ch.read(buffer, at);
            if (n < 0) {
                throw new IOException("the file ended inside its pixel data");
            }
            at += n;
        }
    }
}
