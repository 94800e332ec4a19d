package org.deidgateway.store;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Files of the spool and the outbox handed back for reuse instead of deleted, as databases recycle
 * their log segments. Every object passing through the daemon would otherwise create two files and
 * delete two; creating a file next to many recently deleted ones is what cost most: on ext4 without
 * a journal the inode allocator steps over each inode freed in the last minutes, so that a third
 * of the receiving thread's time went into {@code open(O_CREAT)} at a few hundred objects a second.
 * <p>
 * A handed-back file is emptied at once and waits in the folder's {@value #POOL} sub-folder, at
 * most {@value #CAPACITY} at a time and for at most {@value #KEEP_SECONDS} seconds; then it is
 * deleted. Emptied when handed back, not when reused: ext4 starts writing a file out when it is
 * closed after being cut to nothing, which would put a disk write on the path of every new object
 * (and write out de-identified copies that are usually deleted before they reach the disk). A
 * reused file takes its new name empty, so that a killed process never leaves a former object's
 * content under the name of a new one (a power cut on a file system without a journal might:
 * docs/decisions.md). The spool's files are the exception ({@link #forFolders(java.util.Set, Path...)}):
 * they keep their content, bounded by their preamble. The pools are emptied at start and at close: nothing in them is the record
 * of anything.
 */
public final class FileRecycler implements AutoCloseable {

    /** Sub-folder of each recycling folder holding its free files; not a name any reader lists. */
    public static final String POOL = ".recycled";
    static final int CAPACITY = 64;
    static final long KEEP_SECONDS = 60;

    /** Recycles nothing: every file is created and deleted, as it used to be. */
    public static final FileRecycler NONE = new FileRecycler(Map.of(), java.util.Set.of(), null);

    private record Free(Path file, long retiredNanos) {
    }

    private final Map<Path, ArrayDeque<Free>> pools;
    /** Folders whose files keep their content (and so their allocated blocks) from one use to the next. */
    private final java.util.Set<Path> inPlace;
    private final ScheduledExecutorService sweeper;
    private long names;

    private FileRecycler(Map<Path, ArrayDeque<Free>> pools, java.util.Set<Path> inPlace, ScheduledExecutorService sweeper) {
        this.pools = pools;
        this.inPlace = inPlace;
        this.sweeper = sweeper;
    }

    /** Recycles files within each of the folders (each its own pool, so a file never changes file system). */
    public static FileRecycler forFolders(Path... folders) throws IOException {
        return forFolders(java.util.Set.of(), folders);
    }

    /**
     * As {@link #forFolders(Path...)}, but the files of the {@code reusedInPlace} folders (the
     * spool) are neither emptied when handed back nor when reused: their writer overwrites them in
     * place and bounds them with a {@link org.deidgateway.dicom.SpoolPreamble}, so that an fsync
     * over their blocks commits no file system journal. A handed-back file without such a preamble
     * (a released quarantine object, a file of an earlier version) is emptied as elsewhere, since
     * nothing in it tells where its object ends.
     */
    public static FileRecycler forFolders(java.util.Set<Path> reusedInPlace, Path... folders) throws IOException {
        java.util.Set<Path> inPlace = new java.util.HashSet<>();
        for (Path folder : reusedInPlace) {
            inPlace.add(folder.toAbsolutePath().normalize());
        }
        Map<Path, ArrayDeque<Free>> pools = new HashMap<>();
        for (Path folder : folders) {
            Path pool = Files.createDirectories(folder.toAbsolutePath().normalize().resolve(POOL));
            emptyPool(pool);
            pools.put(pool.getParent(), new ArrayDeque<>());
        }
        ScheduledExecutorService sweeper = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "recycler");
            t.setDaemon(true);
            return t;
        });
        FileRecycler recycler = new FileRecycler(pools, inPlace, sweeper);
        sweeper.scheduleWithFixedDelay(recycler::sweepQuietly, 1, 1, TimeUnit.SECONDS);
        return recycler;
    }

    /**
     * Opens {@code target} for writing, empty, replacing any file of that name: a free file of its
     * folder's pool when there is one (renamed), a new file otherwise.
     */
    public FileChannel create(Path target) throws IOException {
        Path free = take(target.toAbsolutePath().normalize().getParent());
        if (free != null) {
            try {
                Files.move(free, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                FileChannel channel = FileChannel.open(target, StandardOpenOption.WRITE);
                if (channel.size() != 0 && !inPlace.contains(target.toAbsolutePath().normalize().getParent())) {
                    channel.truncate(0);
                }
                return channel;
            } catch (IOException e) {
                Files.deleteIfExists(free);
            }
        }
        return FileChannel.open(target, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING);
    }

    /**
     * Hands a file back: emptied and kept for reuse if its folder recycles and the pool has room,
     * deleted otherwise.
     */
    public void retire(Path file) throws IOException {
        Path folder = file.toAbsolutePath().normalize().getParent();
        ArrayDeque<Free> pool = pools.get(folder);
        Path free = null;
        if (pool != null) {
            synchronized (this) {
                if (pool.size() < CAPACITY) {
                    free = folder.resolve(POOL).resolve(Long.toString(++names));
                }
            }
        }
        if (free == null) {
            Files.deleteIfExists(file);
            return;
        }
        try {
            if (!inPlace.contains(folder) || org.deidgateway.dicom.SpoolPreamble.read(file).kind()
                    == org.deidgateway.dicom.SpoolPreamble.Kind.NONE) {
                FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING).close();
            }
            Files.move(file, free, StandardCopyOption.ATOMIC_MOVE);
        } catch (java.nio.file.NoSuchFileException | org.deidgateway.dicom.DicomFileException e) {
            return;
        } catch (IOException e) {
            Files.deleteIfExists(file);
            return;
        }
        synchronized (this) {
            pool.addLast(new Free(free, System.nanoTime()));
        }
    }

    /** Free files waiting in all pools, for tests and the record. */
    public synchronized int free() {
        return pools.values().stream().mapToInt(ArrayDeque::size).sum();
    }

    private synchronized Path take(Path folder) {
        ArrayDeque<Free> pool = pools.get(folder);
        Free free = pool == null ? null : pool.pollLast();
        return free == null ? null : free.file();
    }

    /** Deletes the files that waited longer than {@value #KEEP_SECONDS} s before {@code nowNanos}. */
    void sweep(long nowNanos) throws IOException {
        long oldest = nowNanos - TimeUnit.SECONDS.toNanos(KEEP_SECONDS);
        for (ArrayDeque<Free> pool : pools.values()) {
            while (true) {
                Free expired;
                synchronized (this) {
                    Free first = pool.peekFirst();
                    if (first == null || first.retiredNanos() - oldest > 0) {
                        break;
                    }
                    expired = pool.pollFirst();
                }
                Files.deleteIfExists(expired.file());
            }
        }
    }

    private void sweepQuietly() {
        try {
            sweep(System.nanoTime());
        } catch (IOException | RuntimeException e) {
            // the next sweep tries again; close() and the next start empty the pools anyway
        }
    }

    @Override
    public void close() throws IOException {
        if (sweeper != null) {
            sweeper.shutdownNow();
        }
        for (Path folder : pools.keySet()) {
            synchronized (this) {
                pools.get(folder).clear();
            }
            emptyPool(folder.resolve(POOL));
        }
    }

    private static void emptyPool(Path pool) throws IOException {
        if (!Files.isDirectory(pool)) {
            return;
        }
        try (Stream<Path> files = Files.list(pool)) {
            for (Path f : files.toList()) {
                Files.deleteIfExists(f);
            }
        }
    }
}
