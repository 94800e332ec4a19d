package org.deidgateway.testsupport;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * An ordinary journaled ext4 (the file system hospitals run) on a loop device over a fully
 * allocated image file, mounted on a folder; what bench/gateway-vs-direct.sh --fs journaled makes.
 * Needs root and a loop device: the test is skipped otherwise. Close it after whatever holds files
 * in it has stopped; the image is deleted then.
 */
public final class JournaledDisk implements AutoCloseable {

    private final Path image;
    private final Path mountPoint;

    private JournaledDisk(Path image, Path mountPoint) {
        this.image = image;
        this.mountPoint = mountPoint;
    }

    /** Makes and mounts a journaled ext4 of {@code mib} MiB; the image file lies beside the mount point. */
    public static JournaledDisk mount(Path mountPoint, int mib) throws Exception {
        assumeTrue("0".equals(run("id", "-u").strip()), "needs root to mount a loop device");
        Files.createDirectories(mountPoint);
        Path image = mountPoint.resolveSibling(mountPoint.getFileName() + ".ext4");
        String made = run("fallocate", "-l", mib + "M", image.toString())
                + run("mkfs.ext4", "-q", "-F", "-O", "has_journal", image.toString());
        Process p = new ProcessBuilder("mount", "-o", "loop", image.toString(), mountPoint.toString())
                .redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes());
        boolean mounted = p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
        if (!mounted) {
            Files.deleteIfExists(image);
        }
        assumeTrue(mounted, "cannot mount a journaled ext4 on a loop device here: " + made + output);
        return new JournaledDisk(image, mountPoint);
    }

    public Path path() {
        return mountPoint;
    }

    /** The journal is there: ext4 lists has_journal among the features of the mounted device. */
    public String features() throws Exception {
        return run("dumpe2fs", "-h", image.toString());
    }

    @Override
    public void close() throws Exception {
        if (!run("umount", mountPoint.toString()).isEmpty()) {
            run("umount", "-l", mountPoint.toString());
        }
        Files.deleteIfExists(image);
    }

    private static String run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes());
        p.waitFor(60, TimeUnit.SECONDS);
        return output;
    }
}
