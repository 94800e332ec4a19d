package org.deidgateway.pixel;

import org.deidgateway.testsupport.TestData;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Memory stays flat for large multi-frame objects: a 160 MiB, 320-frame object, native, RLE (dcmtk's
 * dcmcrle) and JPEG Lossless (dcmcjpeg), is masked frame by frame and compared again in a JVM whose
 * heap (48 MiB) is less than a third of the pixel data.
 */
class PixelMemoryTest {

    private static final String HEAP = "-Xmx48m";

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"native", "rle", "jpeg-lossless"})
    void aMultiFrameObjectLargerThanTheHeapIsMaskedFrameByFrame(String encoding) throws Exception {
        Path nativeFile = dir.resolve("native.dcm");
        run(List.of("/usr/bin/python3", TestData.repoRoot().resolve("bench/generate-multiframe.py").toString(),
                nativeFile.toString(), "160"));
        Path in = switch (encoding) {
            case "rle" -> encoded(List.of("dcmcrle"), nativeFile);
            case "jpeg-lossless" -> encoded(List.of("dcmcjpeg", "+e1"), nativeFile);
            default -> nativeFile;
        };
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String said = run(List.of(java, HEAP, "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"),
                FrameByFrameMasking.class.getName(), in.toString(), dir.resolve("out.dcm").toString(),
                dir.resolve("work.bin").toString()));
        assertTrue(said.contains("320 frames masked and compared"), said);
    }

    private Path encoded(List<String> tool, Path nativeFile) throws Exception {
        Path out = dir.resolve("encoded.dcm");
        List<String> command = new java.util.ArrayList<>(tool);
        command.add(nativeFile.toString());
        command.add(out.toString());
        run(command);
        Files.delete(nativeFile);
        return out;
    }

    private String run(List<String> command) throws Exception {
        Path log = dir.resolve("command.log");
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        assertTrue(p.waitFor(300, TimeUnit.SECONDS), "timed out: " + command);
        String said = Files.readString(log, StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), command + ":\n" + said);
        return said;
    }
}
