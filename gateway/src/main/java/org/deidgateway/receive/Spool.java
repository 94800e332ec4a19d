package org.deidgateway.receive;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.UUID;

/**
 * The folder where received objects become durable before the peer hears Success: each object is
 * streamed to its file, checked complete, and the file and the folder fsynced. The file is the
 * durable record of a received object: the database row that queues it for processing is written
 * afterwards, in batches, and rebuilt from the files at start ({@link IntakeLog#recover}). There is
 * no rename: a rename after the fsync would cost a second journal commit per object, and a file
 * cut by a crash is told from a complete one by the same check the receiver makes before Success.
 */
public final class Spool {

    static final String TEMP_SUFFIX = ".part";
    /**
     * One write buffer per receiving thread, kept: allocating (and zeroing) 256 KiB for every
     * object was a fifth of the receiving thread's own CPU. Large, so a 530 KB object is two writes.
     */
    private static final ThreadLocal<byte[]> WRITE_BUFFER = ThreadLocal.withInitial(() -> new byte[256 * 1024]);

    private final Path folder;

    public Spool(Path folder) throws IOException {
        this.folder = Files.createDirectories(folder);
    }

    public Path folder() {
        return folder;
    }

    /** Starts one object's file, its file meta information already written. */
    Incoming begin(byte[] fileMetaHeader) throws IOException {
        Path file = folder.resolve(UUID.randomUUID() + ".dcm");
        FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        Incoming incoming = new Incoming(file, channel);
        incoming.out.write(fileMetaHeader);
        return incoming;
    }

    /** Deletes temporary files an earlier version left behind: nobody was told Success for them. */
    public int removeLeftovers() throws IOException {
        int removed = 0;
        try (var files = Files.list(folder)) {
            for (Path p : files.filter(f -> f.getFileName().toString().endsWith(TEMP_SUFFIX)).toList()) {
                Files.deleteIfExists(p);
                removed++;
            }
        }
        return removed;
    }

    /** One object being received. */
    final class Incoming implements AutoCloseable {
        private final Path file;
        private final FileChannel channel;
        private final OutputStream out;
        private long size;
        private boolean committed;

        private Incoming(Path file, FileChannel channel) {
            this.file = file;
            this.channel = channel;
            this.out = new ReusedBufferOutput(channel, WRITE_BUFFER.get());
        }

        void write(byte[] bytes, int offset, int length) throws IOException {
            out.write(bytes, offset, length);
            size += length;
        }

        long size() {
            return size;
        }

        Path file() {
            return file;
        }

        /**
         * Makes the file durable; returns it. The folder is fsynced too, for its entry of the file:
         * on ext4 the file's fsync has committed it already and this costs nothing, elsewhere it may not.
         */
        Path commit() throws IOException {
            out.flush();
            channel.force(false);
            channel.close();
            try (FileChannel dir = FileChannel.open(folder, StandardOpenOption.READ)) {
                dir.force(true);
            }
            committed = true;
            return file;
        }

        /** Flushes what was received so far, so that it can be checked before it is committed. */
        void flush() throws IOException {
            out.flush();
        }

        @Override
        public void close() {
            if (committed) {
                return;
            }
            try {
                channel.close();
            } catch (IOException ignored) {
                // the file is deleted next
            }
            try {
                Files.deleteIfExists(file);
            } catch (IOException ignored) {
                // a file without a row: checked at the next start, and deleted as incomplete or recorded
            }
        }
    }

    /** A buffered writer to a file channel over a buffer it does not own. */
    private static final class ReusedBufferOutput extends OutputStream {
        private final FileChannel channel;
        private final byte[] buffer;
        private int used;

        ReusedBufferOutput(FileChannel channel, byte[] buffer) {
            this.channel = channel;
            this.buffer = buffer;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] bytes, int offset, int length) throws IOException {
            if (length > buffer.length - used) {
                flush();
            }
            if (length >= buffer.length) {
                writeFully(java.nio.ByteBuffer.wrap(bytes, offset, length));
                return;
            }
            System.arraycopy(bytes, offset, buffer, used, length);
            used += length;
        }

        @Override
        public void flush() throws IOException {
            if (used > 0) {
                writeFully(java.nio.ByteBuffer.wrap(buffer, 0, used));
                used = 0;
            }
        }

        private void writeFully(java.nio.ByteBuffer bytes) throws IOException {
            while (bytes.hasRemaining()) {
                channel.write(bytes);
            }
        }
    }
}
