package org.deidgateway.store;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Real files in a temporary folder: what is handed back is emptied at once, reused, or deleted. */
class FileRecyclerTest {

    @TempDir
    Path dir;

    @Test
    void aHandedBackFileIsEmptiedAtOnceAndReusedUnderItsNewName() throws Exception {
        Path spool = Files.createDirectories(dir.resolve("spool"));
        try (FileRecycler recycler = FileRecycler.forFolders(spool)) {
            Path delivered = Files.writeString(spool.resolve("a.dcm"), "an original with a patient's name");
            Object inode = Files.readAttributes(delivered, java.nio.file.attribute.BasicFileAttributes.class).fileKey();
            recycler.retire(delivered);

            assertFalse(Files.exists(delivered));
            assertEquals(1, recycler.free());
            try (Stream<Path> pooled = Files.list(spool.resolve(FileRecycler.POOL))) {
                // nothing of the original waits in the pool
                assertEquals(java.util.List.of(0L), pooled.map(FileRecyclerTest::size).toList());
            }

            Path next = spool.resolve("b.dcm");
            try (FileChannel channel = recycler.create(next)) {
                channel.write(ByteBuffer.wrap("the next object".getBytes(StandardCharsets.US_ASCII)));
            }
            assertEquals(inode, Files.readAttributes(next, java.nio.file.attribute.BasicFileAttributes.class).fileKey());
            assertArrayEquals("the next object".getBytes(StandardCharsets.US_ASCII), Files.readAllBytes(next));
            assertEquals(0, recycler.free());
        }
    }

    @Test
    void aReusedFileReplacesAnExistingOneAndAnEmptyPoolMakesANewFile() throws Exception {
        Path outbox = Files.createDirectories(dir.resolve("outbox"));
        try (FileRecycler recycler = FileRecycler.forFolders(outbox)) {
            Path stale = Files.writeString(outbox.resolve("7.dcm"), "a copy cut by a crash, made again");
            recycler.retire(Files.writeString(outbox.resolve("3.dcm"), "delivered"));
            try (FileChannel channel = recycler.create(stale)) {
                channel.write(ByteBuffer.wrap(new byte[] {1, 2, 3}));
            }
            assertArrayEquals(new byte[] {1, 2, 3}, Files.readAllBytes(stale));

            Path fresh = outbox.resolve("8.dcm");
            try (FileChannel channel = recycler.create(fresh)) {
                channel.write(ByteBuffer.wrap(new byte[] {4}));
            }
            assertArrayEquals(new byte[] {4}, Files.readAllBytes(fresh));
        }
    }

    @Test
    void thePoolIsBoundedAndFilesOfOtherFoldersAreDeleted() throws Exception {
        Path spool = Files.createDirectories(dir.resolve("spool"));
        Path quarantine = Files.createDirectories(dir.resolve("quarantine"));
        try (FileRecycler recycler = FileRecycler.forFolders(spool)) {
            for (int i = 0; i < FileRecycler.CAPACITY + 5; i++) {
                recycler.retire(Files.writeString(spool.resolve(i + ".dcm"), "x"));
            }
            assertEquals(FileRecycler.CAPACITY, recycler.free());
            assertEquals(FileRecycler.CAPACITY, count(spool.resolve(FileRecycler.POOL)));
            assertEquals(1, count(spool), "only the pool folder is left in the spool");

            Path elsewhere = Files.writeString(quarantine.resolve("q.dcm"), "x");
            recycler.retire(elsewhere);
            assertFalse(Files.exists(elsewhere));
            assertEquals(FileRecycler.CAPACITY, recycler.free());

            recycler.retire(spool.resolve("never-there.dcm"));
            assertEquals(FileRecycler.CAPACITY, recycler.free());
        }
    }

    @Test
    void filesWaitingTooLongAreDeletedAndThePoolsAreEmptiedAtCloseAndAtStart() throws Exception {
        Path spool = Files.createDirectories(dir.resolve("spool"));
        FileRecycler recycler = FileRecycler.forFolders(spool);
        recycler.retire(Files.writeString(spool.resolve("old.dcm"), "x"));
        long retired = System.nanoTime();
        recycler.sweep(retired + TimeUnit.SECONDS.toNanos(FileRecycler.KEEP_SECONDS) - TimeUnit.SECONDS.toNanos(1));
        assertEquals(1, recycler.free());
        recycler.sweep(retired + TimeUnit.SECONDS.toNanos(FileRecycler.KEEP_SECONDS + 1));
        assertEquals(0, recycler.free());
        assertEquals(0, count(spool.resolve(FileRecycler.POOL)));

        recycler.retire(Files.writeString(spool.resolve("kept.dcm"), "x"));
        recycler.close();
        assertEquals(0, count(spool.resolve(FileRecycler.POOL)));

        // what a crashed run left in a pool is nobody's record
        Files.writeString(spool.resolve(FileRecycler.POOL).resolve("99"), "");
        try (FileRecycler next = FileRecycler.forFolders(spool)) {
            assertEquals(0, count(spool.resolve(FileRecycler.POOL)));
            assertEquals(0, next.free());
        }
    }

    @Test
    void withoutRecyclingFilesAreCreatedAndDeleted() throws Exception {
        Path file = Files.writeString(dir.resolve("a.dcm"), "old content");
        try (FileChannel channel = FileRecycler.NONE.create(file)) {
            channel.write(ByteBuffer.wrap(new byte[] {9}));
        }
        assertArrayEquals(new byte[] {9}, Files.readAllBytes(file));
        FileRecycler.NONE.retire(file);
        assertFalse(Files.exists(file));
        assertTrue(Files.notExists(dir.resolve(FileRecycler.POOL)));
    }

    private static long size(Path p) {
        try {
            return Files.size(p);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static long count(Path folder) throws java.io.IOException {
        try (Stream<Path> files = Files.list(folder)) {
            return files.count();
        }
    }
}
