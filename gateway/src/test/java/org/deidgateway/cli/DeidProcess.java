package org.deidgateway.cli;

import org.deidgateway.testsupport.TestData;
import org.deidgateway.testsupport.TestDatabases;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs the packaged command line through the ./deid launcher as a separate process, with only the given DEID_ variables. */
final class DeidProcess {

    record Result(int exit, String out, String err) {
    }

    private DeidProcess() {
    }

    static Result run(Path scratch, Map<String, String> env, String... args) throws IOException, InterruptedException {
        return run(scratch, env, List.of(TestData.repoRoot().resolve("deid").toString()), args);
    }

    /** With {@code prefix} as the command in front of the arguments (for example a wrapper script). */
    static Result run(Path scratch, Map<String, String> env, List<String> prefix, String... args)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(prefix);
        command.addAll(TestDatabases.withDatabase(List.of(args)));
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().keySet().removeIf(TestDatabases::clearedForChild);
        pb.environment().putAll(env);
        Path out = Files.createTempFile(scratch, "out", ".txt");
        Path err = Files.createTempFile(scratch, "err", ".txt");
        pb.redirectOutput(out.toFile()).redirectError(err.toFile()).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        Process p = pb.start();
        if (!p.waitFor(5, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError(String.join(" ", command) + " did not finish");
        }
        return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
    }
}
