package org.deidgateway.testsupport;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** Runs check_outputs.py with Debian's python3 (the one pydicom is installed for). */
public final class PythonCheck {

    private PythonCheck() {
    }

    /** Returns the checker's output; fails the calling test by exception if it found problems. */
    public static String run(String mode, Path argument) throws IOException, InterruptedException {
        Path script = TestData.repoRoot().resolve("gateway/src/test/python/check_outputs.py");
        Process p = new ProcessBuilder("/usr/bin/python3", script.toString(), mode, argument.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(10, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError("check_outputs.py " + mode + " did not finish");
        }
        if (p.exitValue() != 0) {
            throw new AssertionError("check_outputs.py " + mode + " found problems:\n" + out);
        }
        return out;
    }
}
