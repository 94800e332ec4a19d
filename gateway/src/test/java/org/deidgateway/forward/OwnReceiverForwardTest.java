package org.deidgateway.forward;

import org.deidgateway.testsupport.TestDatabases;
import org.deidgateway.receive.DicomListener;
import org.deidgateway.receive.IntakeLog;
import org.deidgateway.receive.ReceiverSettings;
import org.deidgateway.receive.Spool;
import org.deidgateway.receive.StoreService;
import org.deidgateway.store.Database;
import org.deidgateway.testsupport.TestData;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The gateway forwarding to a gateway: our C-STORE SCU into our own spooling C-STORE SCP. */
class OwnReceiverForwardTest {

    /** Explicit and implicit little endian, JPEG 2000, an SR and a waveform, the largest split over PDUs. */
    private static final List<String> OBJECTS = List.of("CT_small.dcm", "MR_small.dcm", "JPEG2000.dcm",
            "J2K_pixelrep_mismatch.dcm", "SC_rgb_jpeg_dcmd.dcm", "waveform_ecg.dcm", "test-SR.dcm");

    @TempDir
    Path dir;
    private Database db;
    private DicomListener listener;

    @BeforeEach
    void start() throws Exception {
        db = TestDatabases.open(dir.resolve("deid.db"));
        listener = DicomListener.start(new ReceiverSettings("DEIDGW", "127.0.0.1", 0, 8, Duration.ofSeconds(5),
                Duration.ofSeconds(10), ReceiverSettings.DEFAULT_MAX_PDU_LENGTH, Set.of()),
                new StoreService(new Spool(dir.resolve("spool")), new IntakeLog(db)));
    }

    @AfterEach
    void stop() {
        listener.close();
        db.close();
    }

    @Test
    void objectsArriveInTheSpoolWithTheirDataSetsUnchanged() throws Exception {
        try (DicomStoreClient client = new DicomStoreClient(destination())) {
            client.echo();
            for (String name : OBJECTS) {
                Part10Header h = Part10Header.read(TestData.pydicom(name));
                client.expect(h.sopClassUid(), h.transferSyntaxUid());
            }
            for (String name : OBJECTS) {
                StoreStatus status = client.store(TestData.pydicom(name));
                assertEquals(StoreStatus.SUCCESS, status.code(), name + ": " + status.describe());
            }
        }
        Map<String, Path> spooled = spooled();
        assertEquals(OBJECTS.size(), spooled.size());
        for (String name : OBJECTS) {
            Path sent = TestData.pydicom(name);
            Part10Header h = Part10Header.read(sent);
            Path arrived = spooled.get(h.sopInstanceUid());
            assertNotNull(arrived, name);
            byte[] a = Files.readAllBytes(sent);
            byte[] b = Files.readAllBytes(arrived);
            assertEquals(h.transferSyntaxUid(), Part10Header.read(arrived).transferSyntaxUid(), name);
            assertArrayEquals(Arrays.copyOfRange(a, (int) h.dataSetOffset(), a.length),
                    Arrays.copyOfRange(b, (int) Part10Header.read(arrived).dataSetOffset(), b.length), name);
        }
    }

    @Test
    void aDataSetThatContradictsItsFileMetaGetsAPermanentFailureStatus() throws Exception {
        // pydicom's rtplan.dcm names one SOP instance in its file meta and another in its data set;
        // the command carries the file meta's, and the receiver compares
        try (DicomStoreClient client = new DicomStoreClient(destination())) {
            client.expect("1.2.840.10008.5.1.4.1.1.2", "1.2.840.10008.1.2.1");
            StoreStatus status = client.store(TestData.pydicom("rtplan.dcm"));
            assertEquals(0xA900, status.code(), status.describe());
            assertTrue(status.permanent());
            assertEquals(StoreStatus.SUCCESS, client.store(TestData.pydicom("CT_small.dcm")).code());
            assertEquals(1, client.associationsOpened(), "a failure status leaves the association usable");
        }
        assertEquals(1, spooled().size());
    }

    private Destination destination() {
        return new Destination("127.0.0.1", listener.port(), "DEIDGW", "FORWARD_TEST", Duration.ofSeconds(5),
                Duration.ofSeconds(10));
    }

    private Map<String, Path> spooled() throws Exception {
        Map<String, Path> spooled = new HashMap<>();
        try (Stream<Path> files = Files.list(dir.resolve("spool"))) {
            for (Path f : files.filter(f -> f.toString().endsWith(".dcm")).toList()) {
                spooled.put(Part10Header.read(f).sopInstanceUid(), f);
            }
        }
        return spooled;
    }
}
