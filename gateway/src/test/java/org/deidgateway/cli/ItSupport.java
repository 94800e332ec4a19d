package org.deidgateway.cli;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** What the integration tests of real processes share: waiting for a condition, ports, folders of DICOM files. */
final class ItSupport {

    /**
     * Starts {@code deid serve} on a home with only the given DEID_ variables (and the suite's
     * database password), its output in {@code dir/serve-NAME.out} and {@code .err}, and waits until
     * it listens. The caller stops it.
     */
    static Process serve(Path dir, Path home, java.util.Map<String, String> env, String name) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(org.deidgateway.testsupport.TestData.repoRoot().resolve("deid").toString(),
                "serve", "--home", home.toString());
        pb.environment().keySet().removeIf(org.deidgateway.testsupport.TestDatabases::clearedForChild);
        pb.environment().putAll(env);
        Path stdout = dir.resolve("serve-" + name + ".out");
        pb.redirectOutput(stdout.toFile()).redirectError(dir.resolve("serve-" + name + ".err").toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        Process p = pb.start();
        try {
            waitFor(() -> readQuietly(stdout).contains("receiving as"), 60, "deid serve " + name + " listening");
        } catch (Exception | AssertionError e) {
            p.destroyForcibly();
            throw e;
        }
        return p;
    }

    private ItSupport() {
    }

    interface Condition {
        boolean holds() throws Exception;
    }

    /** Runs scripts/postgres-cluster.sh (a private cluster of the test's own); returns what it printed. */
    static String postgresCluster(String... args) throws Exception {
        List<String> command = new java.util.ArrayList<>(List.of(
                org.deidgateway.testsupport.TestData.repoRoot().resolve("scripts/postgres-cluster.sh").toString()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(false).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String error = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new AssertionError("postgres-cluster.sh " + String.join(" ", args) + ": " + error);
        }
        return output;
    }

    static void waitFor(Condition condition, int seconds, String what) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < deadline) {
            if (condition.holds()) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("timed out waiting for: " + what);
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** A log or output file as it is now; empty while it does not exist yet. */
    static String readQuietly(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    /** The .dcm files holding something under a folder (none if it does not exist). */
    static List<Path> dicomFiles(Path folder) {
        if (!Files.isDirectory(folder)) {
            return List.of();
        }
        // the gateway renames and deletes files while the folder is walked: a vanished file means walk again
        for (int attempt = 0; ; attempt++) {
            try (Stream<Path> walk = Files.walk(folder)) {
                // an empty file holds no object: the spool keeps a few reserved for the next arrivals
                return walk.filter(Files::isRegularFile).filter(p -> p.toString().endsWith(".dcm"))
                        .filter(p -> p.toFile().length() > 0).toList();
            } catch (IOException | java.io.UncheckedIOException e) {
                if (attempt == 20) {
                    throw new AssertionError("cannot list " + folder, e);
                }
            }
        }
    }

    static long countFiles(Path folder) {
        return dicomFiles(folder).size();
    }
}
