package org.deidgateway.dicom;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Reads the file through one buffer with the position known, so that fields are taken from the
 * buffer without allocating and values are skipped by moving the position (a seek, for pixel
 * data): the walk costs little more than reading the header's bytes once.
 */
final class FramingInput implements AutoCloseable {
    private final FileChannel channel;
    private final ByteBuffer buffer = ByteBuffer.allocate(16 * 1024);
    /** The file position of the buffer's first byte. */
    private long bufferStart;
    private long mark;
    /** Where the object ends: a reused spool file goes on with an earlier object's bytes. */
    private final long limit;

    FramingInput(Path file, long limit) throws IOException {
        this.channel = FileChannel.open(file, StandardOpenOption.READ);
        this.limit = limit;
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
        if (position() + n > limit) {
            throw new EOFException();
        }
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
        if (to > Math.min(limit, channel.size())) {
            throw new EOFException();
        }
        seek(to);
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
