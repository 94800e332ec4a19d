package org.deidgateway.receive;

import org.deidgateway.dicom.SpoolPreamble;
import org.deidgateway.store.FileRecycler;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.zip.CRC32C;

/**
 * The folder where received objects become durable before the peer hears Success: each object is
 * streamed to its file, checked complete, and the file and the folder fsynced. The file is the
 * durable record of a received object: the database row that queues it for processing is written
 * afterwards, in batches, and rebuilt from the files at start ({@link IntakeLog#recover}). There is
 * no rename after the fsync: it would cost a second journal commit per object, and a file cut by a
 * crash is told from a complete one by the same check the receiver makes before Success.
 * <p>
 * With a {@link FileRecycler} (the daemon's way) the spool reserves its files ahead, a batch at a
 * time: empty files under their final names, reused from the recycler, made durable by one fsync
 * of the folder for the whole batch. An object written into a reserved file then needs only its
 * own data forced before Success, not the folder's entry as well. The daemon's recycler reuses
 * spool files in place: a reused file keeps its blocks, and the object is written over the one it
 * held before, so that its fdatasync commits no file system journal. The preamble says where the
 * object ends and carries its checksum ({@link SpoolPreamble}); a reserved file a crash leaves
 * behind still names its former file there, or says "being written", so the start-up check
 * deletes it as incomplete.
 */
public final class Spool {

    static final String TEMP_SUFFIX = ".part";
    /**
     * One write buffer per receiving thread, kept: allocating (and zeroing) it for every object was
     * a fifth of the receiving thread's own CPU. It gathers small fragments; a PDU's worth of data
     * is written from the PDU itself.
     */
    private static final ThreadLocal<byte[]> WRITE_BUFFER = ThreadLocal.withInitial(() -> new byte[64 * 1024]);

    /** Files reserved at a time: one fsync of the folder for this many objects. */
    static final int RESERVE_BATCH = 16;

    private final Path folder;
    private final FileRecycler recycler;
    /** Empty files whose names are durable already; only with a recycler. */
    private final ArrayDeque<Path> reserved = new ArrayDeque<>();

    public Spool(Path folder) throws IOException {
        this(folder, FileRecycler.NONE);
    }

    /** A spool whose files come from, and go back to, {@code recycler} (which must recycle in {@code folder}). */
    public Spool(Path folder, FileRecycler recycler) throws IOException {
        this.folder = Files.createDirectories(folder);
        this.recycler = recycler;
    }

    public Path folder() {
        return folder;
    }

    /** Starts one object's file, its file meta information already written. */
    Incoming begin(byte[] fileMetaHeader) throws IOException {
        Incoming incoming = null;
        while (incoming == null) {
            Path file = nextReserved();
            if (file == null) {
                break;
            }
            try {
                incoming = new Incoming(file, FileChannel.open(file, StandardOpenOption.WRITE), true);
            } catch (java.nio.file.NoSuchFileException e) {
                // deleted under us (someone cleaned the spool): the next one, or a new file
            }
        }
        if (incoming == null) {
            Path file = newName();
            incoming = new Incoming(file, FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                    false);
        }
        incoming.start(fileMetaHeader);
        return incoming;
    }

    private Path newName() {
        return folder.resolve(UUID.randomUUID() + ".dcm");
    }

    /** A reserved file, reserving the next batch when none is left; null without recycling or if the batch failed. */
    private Path nextReserved() {
        if (recycler == FileRecycler.NONE) {
            return null;
        }
        synchronized (reserved) {
            if (reserved.isEmpty() && !reserveBatch()) {
                return null;
            }
            return reserved.poll();
        }
    }

    /** Reserves {@value #RESERVE_BATCH} files with one fsync of the folder; false (none reserved) on failure. */
    private boolean reserveBatch() {
        List<Path> batch = new ArrayList<>(RESERVE_BATCH);
        try {
            for (int i = 0; i < RESERVE_BATCH; i++) {
                Path file = newName();
                recycler.create(file).close();
                batch.add(file);
            }
            forceFolder();
            reserved.addAll(batch);
            return true;
        } catch (IOException e) {
            for (Path file : batch) {
                try {
                    Files.deleteIfExists(file);
                } catch (IOException ignored) {
                    // empty: the start-up check deletes it as incomplete
                }
            }
            return false;
        }
    }

    /** Deletes the reserved files no object was written to (at the end of a run). */
    public void releaseReserved() throws IOException {
        synchronized (reserved) {
            for (Path file : reserved) {
                Files.deleteIfExists(file);
            }
            reserved.clear();
        }
    }

    private void forceFolder() throws IOException {
        try (FileChannel dir = FileChannel.open(folder, StandardOpenOption.READ)) {
            dir.force(true);
        }
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
        private final boolean nameDurable;
        /** Over every byte after the preamble: the object's checksum in its committed preamble. */
        private final CRC32C checksum = new CRC32C();
        private long size;
        private long length;
        private boolean committed;

        private Incoming(Path file, FileChannel channel, boolean nameDurable) {
            this.file = file;
            this.channel = channel;
            this.nameDurable = nameDurable;
            this.out = new ReusedBufferOutput(channel, WRITE_BUFFER.get());
        }

        /**
         * The preamble first says "being written", so that whatever a crash leaves of this object, or
         * of the one the reused file held before, is never read as a complete object.
         */
        private void start(byte[] fileMetaHeader) throws IOException {
            out.write(SpoolPreamble.writing());
            checksum.update(fileMetaHeader, SpoolPreamble.LENGTH, fileMetaHeader.length - SpoolPreamble.LENGTH);
            out.write(fileMetaHeader, SpoolPreamble.LENGTH, fileMetaHeader.length - SpoolPreamble.LENGTH);
            length = fileMetaHeader.length;
        }

        void write(byte[] bytes, int offset, int length) throws IOException {
            checksum.update(bytes, offset, length);
            out.write(bytes, offset, length);
            size += length;
            this.length += length;
        }

        /** The data set's bytes received so far. */
        long size() {
            return size;
        }

        /** The object's bytes in the file so far, preamble and file meta information included. */
        long objectLength() {
            return length;
        }

        Path file() {
            return file;
        }

        /**
         * Makes the file durable; returns it. The folder is fsynced too, for its entry of the file,
         * unless the file was reserved (its entry is on disk already): on ext4 with a journal the
         * file's fsync has committed the entry and this costs little, elsewhere it may not.
         */
        Path commit() throws IOException {
            out.flush();
            ByteBuffer preamble = ByteBuffer.wrap(SpoolPreamble.committed(length, checksum, file.getFileName().toString()));
            while (preamble.hasRemaining()) {
                channel.write(preamble, preamble.position());
            }
            // one fdatasync for the object and its preamble; over a reused file's blocks it commits no journal
            channel.force(false);
            channel.close();
            if (!nameDurable) {
                forceFolder();
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
                // the file is handed back next
            }
            try {
                recycler.retire(file);
            } catch (IOException ignored) {
                // a file without a row: checked at the next start, and deleted as incomplete or recorded
            }
        }
    }

    /** A buffered writer to a file channel over a buffer it does not own. */
    private static final class ReusedBufferOutput extends OutputStream {
        private static final int DIRECT_WRITE = 32 * 1024;
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
            if (length >= DIRECT_WRITE) {
                // a large fragment (a PDU's worth) goes straight to the file: copying it first costs more than a write
                flush();
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
