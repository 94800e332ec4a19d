package org.deidgateway.dicom;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;

/**
 * Hands out a file's bytes but for the given ranges of whole elements ({@link ElementFraming}
 * found them), so that PixelMed parses the data set as if they were not there. Positions are those
 * of the underlying stream from its first byte. It goes under the buffer PixelMed marks and resets,
 * so a range is skipped in the file once and never held in memory.
 */
final class RangeSkippingInputStream extends FilterInputStream {

    private final List<long[]> ranges;
    private long position;

    /** {@code ranges}: [start, end) pairs in ascending order, not overlapping. */
    RangeSkippingInputStream(InputStream in, List<long[]> ranges) {
        super(in);
        this.ranges = List.copyOf(ranges);
    }

    /** Steps over a range starting here; returns how many bytes may be read before the next one. */
    private long passRanges(long wanted) throws IOException {
        for (long[] range : ranges) {
            if (position >= range[0] && position < range[1]) {
                in.skipNBytes(range[1] - position);
                position = range[1];
            }
        }
        for (long[] range : ranges) {
            if (range[0] >= position) {
                return Math.min(wanted, range[0] - position);
            }
        }
        return wanted;
    }

    @Override
    public int read() throws IOException {
        passRanges(1);
        int b = in.read();
        if (b >= 0) {
            position++;
        }
        return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        int allowed = (int) passRanges(len);
        int n = in.read(b, off, allowed);
        if (n > 0) {
            position += n;
        }
        return n;
    }

    @Override
    public long skip(long n) throws IOException {
        long allowed = passRanges(n);
        long skipped = in.skip(allowed);
        position += skipped;
        return skipped;
    }

    @Override
    public int available() throws IOException {
        return (int) passRanges(in.available());
    }

    @Override
    public boolean markSupported() {
        return false;
    }

    /** Bytes left out from the start of the stream to the end of its last range. */
    long skippedInAll() {
        return ranges.stream().mapToLong(r -> r[1] - r[0]).sum();
    }
}
