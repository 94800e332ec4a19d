package org.deidgateway.receive;

import org.deidgateway.testsupport.TestDatabases;
import org.deidgateway.dicom.DicomFiles;
import org.deidgateway.store.Database;
import org.deidgateway.testsupport.TestData;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** C-STORE into the spool, with dcmtk's storescu as the PACS, on loopback. */
class StoreScpTest {

    @TempDir
    Path dir;
    private Database db;
    private IntakeLog intake;
    private DicomListener listener;

    @BeforeEach
    void start() throws Exception {
        db = TestDatabases.open(dir.resolve("deid.db"));
        intake = new IntakeLog(db);
        listener = DicomListener.start(new ReceiverSettings("DEIDGW", "127.0.0.1", 0, 8, Duration.ofSeconds(5),
                Duration.ofSeconds(10), ReceiverSettings.DEFAULT_MAX_PDU_LENGTH, Set.of()),
                new StoreService(new Spool(dir.resolve("spool")), intake));
    }

    @AfterEach
    void stop() {
        listener.close();
        db.close();
    }

    @Test
    void realObjectsAreSpooledAndRecordedBeforeSuccess() throws Exception {
        Run run = storescu(TestData.pydicom("CT_small.dcm"), TestData.pydicom("MR_small.dcm"), TestData.pydicom("test-SR.dcm"));
        assertEquals(0, run.exit, run.output);
        // storescu proposes JPEG 2000 only when asked to (-xw); the gateway accepts it as proposed
        Run compressed = storescu(List.of("-xw"), TestData.pydicom("JPEG2000.dcm"));
        assertEquals(0, compressed.exit, compressed.output);
        assertTrue(compressed.output.contains("JPEG 2000 (Lossless or Lossy) -> JPEG 2000 (Lossless or Lossy)"), compressed.output);
        assertEquals(4, intake.count(IntakeLog.STATE_RECEIVED));
        List<Path> spooled = spooled();
        assertEquals(4, spooled.size(), spooled.toString());
        for (Path file : spooled) {
            DicomFiles.read(file);
        }
        // compressed pixel data arrives untouched: the JPEG 2000 codestream is in the spooled file byte for byte
        byte[] original = Files.readAllBytes(TestData.pydicom("JPEG2000.dcm"));
        byte[] tail = Arrays.copyOfRange(original, original.length - 1024, original.length);
        assertTrue(spooled.stream().anyMatch(p -> endsWith(p, tail)), "JPEG 2000 stream passed through");
    }

    @Test
    void aTruncatedObjectGetsAFailureStatusAndIsNotKept() throws Exception {
        // storescu refuses to send a file cut short, so the cut is made where its encoding stays valid:
        // the pixel data element says, and has, half the bytes the 128x128 16-bit image needs
        byte[] ct = Files.readAllBytes(TestData.pydicom("CT_small.dcm"));
        int pixelData = indexOf(ct, new byte[] {(byte) 0xE0, 0x7F, 0x10, 0x00, 'O', 'W', 0, 0});
        assertTrue(pixelData > 0);
        int half = 128 * 128;
        byte[] cut = Arrays.copyOf(ct, pixelData + 12 + half);
        cut[pixelData + 8] = (byte) half;
        cut[pixelData + 9] = (byte) (half >>> 8);
        cut[pixelData + 10] = (byte) (half >>> 16);
        cut[pixelData + 11] = (byte) (half >>> 24);
        Path truncated = Files.write(dir.resolve("truncated.dcm"), cut);
        Run run = storescu(truncated);
        assertTrue(run.output.contains("Received Store Response (Error"), run.output);
        assertEquals(0, intake.count(IntakeLog.STATE_RECEIVED));
        assertEquals(0, spooled().size());
        try (Stream<Path> all = Files.list(dir.resolve("spool"))) {
            assertEquals(0, all.count(), "no temporary file left");
        }
        // and the service goes on
        assertEquals(0, storescu(TestData.pydicom("CT_small.dcm")).exit);
        assertEquals(1, intake.count(IntakeLog.STATE_RECEIVED));
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    private List<Path> spooled() throws IOException {
        try (Stream<Path> files = Files.list(dir.resolve("spool"))) {
            return files.filter(p -> p.toString().endsWith(".dcm")).toList();
        }
    }

    private static boolean endsWith(Path file, byte[] tail) {
        try {
            byte[] bytes = Files.readAllBytes(file);
            // the received stream may carry one pad byte less or more at its very end
            for (int shift = 0; shift <= 2; shift++) {
                if (bytes.length - shift >= tail.length && Arrays.equals(Arrays.copyOfRange(bytes,
                        bytes.length - shift - tail.length + 2, bytes.length - shift), Arrays.copyOfRange(tail, 2, tail.length))) {
                    return true;
                }
            }
            return false;
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    record Run(int exit, String output) {
    }

    private Run storescu(Path... files) throws Exception {
        return storescu(List.of(), files);
    }

    private Run storescu(List<String> options, Path... files) throws Exception {
        List<String> command = new ArrayList<>(List.of("storescu", "-v"));
        command.addAll(options);
        command.addAll(List.of("-aec", "DEIDGW", "-to", "10", "-ta", "10", "-td", "10",
                "127.0.0.1", Integer.toString(listener.port())));
        for (Path f : files) {
            command.add(f.toString());
        }
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().put("TCP_NODELAY", "1");
        Path log = Files.createTempFile(dir, "storescu", ".log");
        pb.redirectErrorStream(true).redirectOutput(log.toFile());
        Process p = pb.start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "storescu finished");
        return new Run(p.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
    }
}
