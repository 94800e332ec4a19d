package org.deidgateway.receive;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.UUID;

/**
 * The folder where received objects become durable before the peer hears Success: each object is
 * streamed to a temporary file, fsynced, renamed to its final name and the folder fsynced, so that
 * after a crash a file is either complete under its final name or only a temporary left-over.
 */
public final class Spool {

    static final String TEMP_SUFFIX = ".part";

    private final Path folder;

    public Spool(Path folder) throws IOException {
        this.folder = Files.createDirectories(folder);
    }

    public Path folder() {
        return folder;
    }

    /** Starts one object's file, its file meta information already written. */
    Incoming begin(byte[] fileMetaHeader) throws IOException {
        String name = UUID.randomUUID() + ".dcm";
        Path temp = folder.resolve(name + TEMP_SUFFIX);
        FileChannel channel = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        Incoming incoming = new Incoming(folder.resolve(name), temp, channel);
        incoming.out.write(fileMetaHeader);
        return incoming;
    }

    /** Deletes temporary files an interrupted process left behind: nobody was told Success for them. */
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
        private final Path target;
        private final Path temp;
        private final FileChannel channel;
        private final OutputStream out;
        private long size;
        private boolean committed;

        private Incoming(Path target, Path temp, FileChannel channel) {
            this.target = target;
            this.temp = temp;
            this.channel = channel;
            this.out = new java.io.BufferedOutputStream(Channels.newOutputStream(channel), 256 * 1024);
        }

        void write(byte[] bytes, int offset, int length) throws IOException {
            out.write(bytes, offset, length);
            size += length;
        }

        long size() {
            return size;
        }

        Path temp() {
            return temp;
        }

        /** Makes the file durable under its final name; returns that name. */
        Path commit() throws IOException {
            out.flush();
            channel.force(true);
            channel.close();
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
            try (FileChannel dir = FileChannel.open(folder, StandardOpenOption.READ)) {
                dir.force(true);
            }
            committed = true;
            return target;
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
                Files.deleteIfExists(temp);
            } catch (IOException ignored) {
                // removed at the next start (removeLeftovers)
            }
        }
    }
}
