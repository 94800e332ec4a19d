package org.deidgateway.pixel;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * RLE Lossless (PS3.5 Annex G): a frame is up to 15 segments, one per byte plane (each sample's
 * bytes, most significant first), each a PackBits stream. Encoding keeps every row separate, as
 * G.3.1 requires.
 */
final class RleCodec {

    private RleCodec() {
    }

    static int[] decode(byte[] data, PixelLayout layout) throws PixelDataException {
        int bytesPerSample = layout.bitsAllocated() / 8;
        int planes = layout.samplesPerPixel() * bytesPerSample;
        if (data.length < 64) {
            throw new PixelDataException("an RLE frame shorter than its 64-byte header");
        }
        ByteBuffer header = ByteBuffer.wrap(data, 0, 64).order(ByteOrder.LITTLE_ENDIAN);
        int segments = header.getInt();
        if (segments != planes) {
            throw new PixelDataException("an RLE frame with " + segments + " segments where the image needs " + planes);
        }
        long[] offsets = new long[16];
        for (int i = 0; i < 15; i++) {
            offsets[i] = header.getInt() & 0xFFFFFFFFL;
        }
        int pixels = layout.rows() * layout.columns();
        int[] words = new int[pixels * layout.samplesPerPixel()];
        byte[] plane = new byte[pixels];
        for (int p = 0; p < planes; p++) {
            long start = offsets[p];
            long end = p + 1 < segments ? offsets[p + 1] : data.length;
            if (start < 64 || start > end || end > data.length) {
                throw new PixelDataException("an RLE segment offset outside its frame");
            }
            unpack(data, (int) start, (int) end, plane);
            int sample = p / bytesPerSample;
            int shift = 8 * (bytesPerSample - 1 - p % bytesPerSample);
            for (int i = 0; i < pixels; i++) {
                words[i * layout.samplesPerPixel() + sample] |= (plane[i] & 0xFF) << shift;
            }
        }
        return words;
    }

    private static void unpack(byte[] data, int from, int to, byte[] out) throws PixelDataException {
        int at = from;
        int n = 0;
        while (n < out.length && at < to) {
            int control = data[at++];
            if (control >= 0) {
                int count = control + 1;
                if (at + count > to || n + count > out.length) {
                    throw new PixelDataException("an RLE segment runs past its frame");
                }
                System.arraycopy(data, at, out, n, count);
                at += count;
                n += count;
            } else if (control != -128) {
                int count = 1 - control;
                if (at >= to || n + count > out.length) {
                    throw new PixelDataException("an RLE segment runs past its frame");
                }
                java.util.Arrays.fill(out, n, n + count, data[at++]);
                n += count;
            }
        }
        if (n < out.length) {
            throw new PixelDataException("an RLE segment holds fewer pixels than the image needs");
        }
    }

    static byte[] encode(int[] words, PixelLayout layout) {
        int bytesPerSample = layout.bitsAllocated() / 8;
        int samples = layout.samplesPerPixel();
        int planes = samples * bytesPerSample;
        int columns = layout.columns();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        int[] offsets = new int[planes];
        byte[] row = new byte[columns];
        for (int p = 0; p < planes; p++) {
            offsets[p] = 64 + body.size();
            int sample = p / bytesPerSample;
            int shift = 8 * (bytesPerSample - 1 - p % bytesPerSample);
            for (int y = 0; y < layout.rows(); y++) {
                for (int x = 0; x < columns; x++) {
                    row[x] = (byte) (words[(y * columns + x) * samples + sample] >>> shift);
                }
                pack(row, body);
            }
            if (body.size() % 2 != 0) {
                body.write(0);   // segments start on even offsets
            }
        }
        ByteBuffer header = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
        header.putInt(planes);
        for (int p = 0; p < 15; p++) {
            header.putInt(p < planes ? offsets[p] : 0);
        }
        byte[] out = new byte[64 + body.size()];
        System.arraycopy(header.array(), 0, out, 0, 64);
        System.arraycopy(body.toByteArray(), 0, out, 64, body.size());
        return out;
    }

    /** PackBits of one row: runs of 3 or more equal bytes as replicate runs, the rest as literals. */
    private static void pack(byte[] row, ByteArrayOutputStream out) {
        int i = 0;
        int n = row.length;
        while (i < n) {
            int run = 1;
            while (i + run < n && run < 128 && row[i + run] == row[i]) {
                run++;
            }
            if (run >= 3) {
                out.write(1 - run);
                out.write(row[i]);
                i += run;
                continue;
            }
            int start = i;
            int literal = 0;
            while (i < n && literal < 128) {
                if (i + 2 < n && row[i] == row[i + 1] && row[i] == row[i + 2]) {
                    break;
                }
                i++;
                literal++;
            }
            out.write(literal - 1);
            out.write(row, start, literal);
        }
    }
}
