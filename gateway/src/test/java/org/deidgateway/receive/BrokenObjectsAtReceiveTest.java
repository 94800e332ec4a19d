package org.deidgateway.receive;

import org.deidgateway.testsupport.TestDatabases;
import com.pixelmed.dicom.AttributeTag;
import org.deidgateway.deid.DeidentifiedInstance;
import org.deidgateway.dicom.DicomFiles;
import org.deidgateway.dicom.DicomObject;
import org.deidgateway.forward.Destination;
import org.deidgateway.forward.DicomStoreClient;
import org.deidgateway.forward.Part10Header;
import org.deidgateway.forward.StoreStatus;
import org.deidgateway.store.Database;
import org.deidgateway.testsupport.Engines;
import org.deidgateway.testsupport.TestData;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
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

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Objects that are broken in the ways an outside attack found, sent to the project's own receiver
 * by dcmtk's storescu (which re-encodes what it reads) and by the project's own SCU (which sends a
 * file's data set byte for byte, as a broken modality would): a real file with a private sequence
 * PixelMed cannot parse is received and read without it; an image without pixel data, corrupted VR
 * codes and reserved bytes get a failure status at once, not Success and then the quarantine.
 */
class BrokenObjectsAtReceiveTest {

    private static final String CT_IMAGE_STORAGE = "1.2.840.10008.5.1.4.1.1.2";
    private static final String SECONDARY_CAPTURE = "1.2.840.10008.5.1.4.1.1.7";
    private static final String IMPLICIT_LITTLE = "1.2.840.10008.1.2";

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

    /**
     * pydicom's nested_priv_SQ.dcm, given the UIDs and a patient to be sendable: (0001,0001) holds a
     * sequence of undefined length in implicit VR, which PixelMed takes for a private creator (LO)
     * and stops reading at. Sent as it is (by the project's own SCU, byte for byte) and as dcmtk
     * re-encodes it (a defined length), it must arrive, be read, and leave without that element.
     */
    @Test
    void aPrivateSequencePixelMedCannotParseIsReceivedAndLeftOut() throws Exception {
        Path asItIs = nestedPrivateSequence("1.2.826.0.1.3680043.10.1.4.1");
        // the file itself, read as `deid deidentify` reads it
        assertEquals(List.of(0x00010001), DicomFiles.open(asItIs).droppedTags());
        try (DicomStoreClient client = client()) {
            client.expect(SECONDARY_CAPTURE, IMPLICIT_LITTLE);
            StoreStatus status = client.store(asItIs);
            assertEquals(StoreStatus.SUCCESS, status.code(), status.describe());
        }
        StoreScu run = storescu(List.of("-xi"), nestedPrivateSequence("1.2.826.0.1.3680043.10.1.4.2"));
        assertTrue(run.output.contains("Received Store Response (Success)"), run.output);
        List<Path> spooled = spooled();
        assertEquals(2, spooled.size());
        int dropped = 0;
        for (Path arrived : spooled) {
            DicomObject object = DicomFiles.openVerified(arrived);
            dropped += object.droppedTags().size();
            DeidentifiedInstance result = Engines.forProfile("pseudonymize", "nested", 3).deidentify(object.dataset());
            assertFalse(result.sopInstanceUid().isEmpty());
            assertNull(object.dataset().get(new AttributeTag(0x0001, 0x0001)), "de-identified without it");
            Path out = dir.resolve("out-" + arrived.getFileName());
            DicomFiles.writeAtomically(object, out);
            String written = new String(Files.readAllBytes(out), StandardCharsets.ISO_8859_1);
            assertFalse(written.contains("Hidden^Name") || written.contains("PID-9999") || written.contains("Nested SQ"),
                    "identity or the private sequence in the output");
        }
        assertEquals(1, dropped, "the copy sent byte for byte had its undefined-length element left out at reading");
    }

    /** CT_small cut exactly before (7FE0,0010): a whole, shorter data set, but no image. */
    @Test
    void anImageWithoutPixelDataGetsAFailureStatus() throws Exception {
        byte[] ct = Files.readAllBytes(TestData.pydicom("CT_small.dcm"));
        int pixelData = indexOf(ct, new byte[] {(byte) 0xE0, 0x7F, 0x10, 0x00, 'O', 'W'});
        assertTrue(pixelData > 0);
        Path noPixels = Files.write(dir.resolve("no-pixels.dcm"), Arrays.copyOf(ct, pixelData));
        try (DicomStoreClient client = client()) {
            client.expect(CT_IMAGE_STORAGE, Part10Header.read(noPixels).transferSyntaxUid());
            StoreStatus status = client.store(noPixels);
            assertEquals(StoreService.DATA_SET_DOES_NOT_MATCH_SOP_CLASS, status.code(), status.describe());
        }
        StoreScu run = storescu(List.of(), noPixels);
        assertTrue(run.output.contains("Received Store Response (Error"), run.output);
        assertEquals(0, spooled().size());
        // a report has no pixels and needs none
        assertEquals(0, storescu(List.of(), TestData.pydicom("test-SR.dcm")).exit);
        assertEquals(1, spooled().size());
    }

    /**
     * Corruptions that framed before and that PixelMed then could not parse (each seen as Success
     * followed by the quarantine): a VR changed to one with a 4-byte length, leaving non-zero
     * reserved bytes; Specific Character Set with a binary VR; a VR code that does not exist.
     */
    @Test
    void corruptedVrCodesAreRefusedAtOnce() throws Exception {
        byte[] ct = Files.readAllBytes(TestData.pydicom("CT_small.dcm"));
        List<byte[]> corrupted = new ArrayList<>();
        // an SL element holding 0: as OD its length bytes become non-zero reserved bytes, its value a length 0
        int sl = indexOf(ct, new byte[] {'S', 'L', 4, 0, 0, 0, 0, 0});
        assertTrue(sl > 0);
        corrupted.add(replace(ct, sl, "OD"));
        int charset = indexOf(ct, new byte[] {0x08, 0x00, 0x05, 0x00, 'C', 'S'});
        assertTrue(charset > 0);
        corrupted.add(replace(ct, charset + 4, "SS"));
        int rows = indexOf(ct, new byte[] {0x28, 0x00, 0x10, 0x00, 'U', 'S'});
        assertTrue(rows > 0);
        corrupted.add(replace(ct, rows + 4, "u\0"));
        try (DicomStoreClient client = client()) {
            client.expect(CT_IMAGE_STORAGE, Part10Header.read(TestData.pydicom("CT_small.dcm")).transferSyntaxUid());
            for (int i = 0; i < corrupted.size(); i++) {
                Path file = Files.write(dir.resolve("corrupted-" + i + ".dcm"), corrupted.get(i));
                StoreStatus status = client.store(file);
                assertEquals(StoreService.CANNOT_UNDERSTAND, status.code(), "corruption " + i + ": " + status.describe());
            }
            assertEquals(StoreStatus.SUCCESS, client.store(TestData.pydicom("CT_small.dcm")).code());
        }
        assertEquals(1, spooled().size());
        assertEquals(1, intake.count(IntakeLog.STATE_RECEIVED));
    }

    /** The data set of nested_priv_SQ.dcm with SOP class, instance and a patient after its private sequence. */
    private Path nestedPrivateSequence(String instanceUid) throws IOException {
        byte[] original = Files.readAllBytes(TestData.pydicom("nested_priv_SQ.dcm"));
        // after the file meta information: its group length element, then as many bytes as it says
        int dataSet = 132 + 12 + ((original[140] & 0xFF) | (original[141] & 0xFF) << 8);
        int pixelData = indexOf(original, new byte[] {(byte) 0xE0, 0x7F, 0x10, 0x00});
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(FileMetaHeader.encode(SECONDARY_CAPTURE, instanceUid, IMPLICIT_LITTLE, "PACS", "DEIDGW"));
        byte[] privateSequence = Arrays.copyOfRange(original, dataSet, pixelData);
        // its one odd value ("Nested SQ", 9 bytes) padded to 10, as PS3.5 7.1.1 wants and our SCU needs
        int odd = indexOf(privateSequence, new byte[] {0x01, 0x00, 0x02, 0x00, 0x09, 0x00, 0x00, 0x00});
        out.writeBytes(Arrays.copyOfRange(privateSequence, 0, odd));
        out.writeBytes(new byte[] {0x01, 0x00, 0x02, 0x00, 0x0A, 0x00, 0x00, 0x00});
        out.writeBytes(Arrays.copyOfRange(privateSequence, odd + 8, odd + 17));
        out.write(0);
        out.writeBytes(Arrays.copyOfRange(privateSequence, odd + 17, privateSequence.length));
        implicit(out, 0x0008, 0x0016, SECONDARY_CAPTURE + "\0");
        implicit(out, 0x0008, 0x0018, instanceUid.length() % 2 == 0 ? instanceUid : instanceUid + "\0");
        implicit(out, 0x0010, 0x0010, "Hidden^Name ");
        implicit(out, 0x0010, 0x0020, "PID-9999");
        out.writeBytes(Arrays.copyOfRange(original, pixelData, original.length));
        return Files.write(dir.resolve("nested-" + instanceUid + ".dcm"), out.toByteArray());
    }

    private static void implicit(ByteArrayOutputStream out, int group, int element, String value) {
        byte[] v = value.getBytes(StandardCharsets.US_ASCII);
        out.writeBytes(new byte[] {(byte) group, (byte) (group >>> 8), (byte) element, (byte) (element >>> 8),
            (byte) v.length, (byte) (v.length >>> 8), 0, 0});
        out.writeBytes(v);
    }

    private static byte[] replace(byte[] bytes, int at, String twoCharacters) {
        byte[] copy = bytes.clone();
        copy[at] = (byte) twoCharacters.charAt(0);
        copy[at + 1] = (byte) twoCharacters.charAt(1);
        return copy;
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

    private DicomStoreClient client() {
        return new DicomStoreClient(new Destination("127.0.0.1", listener.port(), "DEIDGW", "BROKEN_MODALITY",
                Duration.ofSeconds(5), Duration.ofSeconds(10)));
    }

    private List<Path> spooled() throws IOException {
        try (Stream<Path> files = Files.list(dir.resolve("spool"))) {
            return files.filter(p -> p.toString().endsWith(".dcm")).toList();
        }
    }

    private record StoreScu(int exit, String output) {
    }

    private StoreScu storescu(List<String> options, Path file) throws Exception {
        List<String> command = new ArrayList<>(List.of("storescu", "-v"));
        command.addAll(options);
        command.addAll(List.of("-aec", "DEIDGW", "-to", "10", "-ta", "10", "-td", "10", "127.0.0.1",
                Integer.toString(listener.port()), file.toString()));
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().put("TCP_NODELAY", "1");
        Path log = Files.createTempFile(dir, "storescu", ".log");
        pb.redirectErrorStream(true).redirectOutput(log.toFile());
        Process p = pb.start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "storescu finished");
        String output = Files.readString(log, StandardCharsets.UTF_8);
        assertNotNull(output);
        return new StoreScu(p.exitValue(), output);
    }
}
