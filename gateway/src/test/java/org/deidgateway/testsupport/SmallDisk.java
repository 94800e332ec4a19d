package org.deidgateway.testsupport;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A 2 MiB tmpfs mounted on a folder, so that writes there fail with ENOSPC once it is filled.
 * Needs root (and a kernel that lets it mount): the test is skipped otherwise. Close it in a
 * finally block, after whatever holds files in it has closed them.
 */
public final class SmallDisk implements AutoCloseable {

    private final Path mountPoint;
    private final Path filler;

    private SmallDisk(Path mountPoint) {
        this.mountPoint = mountPoint;
        this.filler = mountPoint.resolve("filler");
    }

    /** Mounts the tmpfs on {@code mountPoint} (created if needed); skips the test when that is not possible. */
    public static SmallDisk mount(Path mountPoint) throws Exception {
        assumeTrue("0".equals(run("id", "-u").strip()), "needs root to mount a tmpfs");
        Files.createDirectories(mountPoint);
        Process p = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", mountPoint.toString())
                .redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes());
        assumeTrue(p.waitFor(20, TimeUnit.SECONDS) && p.exitValue() == 0, "cannot mount a tmpfs here: " + output);
        return new SmallDisk(mountPoint);
    }

    public Path path() {
        return mountPoint;
    }

    /** Writes a file until the disk takes no more: 64 KiB at a time, then page by page. */
    public void fill() throws IOException {
        try (OutputStream out = Files.newOutputStream(filler)) {
            for (int chunk : new int[] {64 * 1024, 4096, 512}) {
                byte[] bytes = new byte[chunk];
                try {
                    while (true) {
                        out.write(bytes);
                        out.flush();
                    }
                } catch (IOException full) {
                    // on to smaller writes, until not even those fit
                }
            }
        } catch (IOException closingAFullFile) {
            // the last buffered bytes found no room either: full is what was wanted
        }
    }

    /** Gives the space back. */
    public void free() throws IOException {
        Files.deleteIfExists(filler);
    }

    @Override
    public void close() throws Exception {
        if (!run("umount", mountPoint.toString()).isEmpty()) {
            // something still holds a file there; detach it anyway so the next test finds a plain folder
            run("umount", "-l", mountPoint.toString());
        }
    }

    private static String run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes());
        p.waitFor(20, TimeUnit.SECONDS);
        return output;
    }
}
