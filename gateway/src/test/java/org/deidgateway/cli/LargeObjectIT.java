package org.deidgateway.cli;

import org.deidgateway.testsupport.TestData;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One multi-frame object larger than the gateway's whole heap goes through `deid serve` (storescu
 * in, folder out) by bench/large-object.sh: it must arrive pseudonymized with its pixel data byte
 * for byte, and the gateway's peak RSS must not grow with it. 512 MiB against a 128 MiB heap here;
 * the script's own run with 2 GB is in docs/bench.md.
 */
class LargeObjectIT {

    @Test
    void aMultiFrameObjectLargerThanTheHeapPassesWithFlatMemory() throws Exception {
        ProcessBuilder pb = new ProcessBuilder("bash", TestData.repoRoot().resolve("bench/large-object.sh").toString(), "512")
                .redirectErrorStream(true);
        pb.environment().put("DEID_LARGE_HEAP", "128m");
        Process run = pb.start();
        String output = new String(run.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(run.waitFor(10, TimeUnit.MINUTES), output);
        assertEquals(0, run.exitValue(), output);
        assertTrue(output.contains("pixel data identical (SHA-256)"), output);
        Matcher growth = Pattern.compile("peak RSS growth for a 512 MiB object = (-?\\d+) MiB").matcher(output);
        assertTrue(growth.find(), output);
        // a copy held in memory would add at least 512 MiB (and not fit the heap); allow GC noise
        assertTrue(Integer.parseInt(growth.group(1)) < 64, output);
    }
}
