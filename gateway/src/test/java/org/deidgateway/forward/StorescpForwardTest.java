package org.deidgateway.forward;

import org.deidgateway.testsupport.TestData;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The client against dcmtk's storescp on loopback: what arrives is compared byte for byte. */
class StorescpForwardTest {

    /** Distinct SOP instances in many SOP classes and transfer syntaxes, compressed ones included. */
    private static final List<String> CORPUS = List.of("CT_small.dcm", "MR_small.dcm", "JPEG2000.dcm", "JPEG-lossy.dcm",
            "693_J2KI.dcm", "GDCMJ2K_TextGBR.dcm", "J2K_pixelrep_mismatch.dcm", "ExplVR_BigEnd.dcm",
            "SC_jpeg_no_color_transform.dcm", "SC_jpeg_no_color_transform_2.dcm", "SC_rgb_dcmtk_+eb+cr.dcm",
            "SC_rgb_gdcm_KY.dcm", "SC_rgb_jpeg_dcmd.dcm", "SC_rgb_jpeg_gdcm.dcm", "SC_rgb_small_odd.dcm", "image_dfl.dcm",
            "liver_1frame.dcm", "reportsi.dcm", "rtplan.dcm", "test-SR.dcm", "waveform_ecg.dcm", "rtdose_rle.dcm");

    @TempDir
    Path temp;
    private Storescp storescp;

    @AfterEach
    void stop() throws InterruptedException {
        if (storescp != null) {
            storescp.close();
        }
    }

    @Test
    void echoSucceeds() throws Exception {
        storescp = start();
        try (DicomStoreClient client = new DicomStoreClient(destination(storescp.port()))) {
            client.echo();
            client.echo();
            assertEquals(1, client.associationsOpened());
        }
        waitForLog("Association Release");
        assertEquals(2, storescp.log().lines().filter(l -> l.contains("Received Echo Request")).count(), storescp.log());
    }

    @Test
    void ctMrAndJpeg2000ArriveWithTheirDataSetsUnchanged() throws Exception {
        storescp = start("+xa", "+B");
        try (DicomStoreClient client = new DicomStoreClient(destination(storescp.port()))) {
            for (String name : List.of("CT_small.dcm", "MR_small.dcm", "JPEG2000.dcm")) {
                StoreStatus status = client.store(TestData.pydicom(name));
                assertEquals(StoreStatus.SUCCESS, status.code(), name + ": " + status.describe());
                assertTrue(status.stored());
            }
        }
        Map<String, Path> received = received();
        assertEquals(3, received.size(), storescp.log());
        for (String name : List.of("CT_small.dcm", "MR_small.dcm", "JPEG2000.dcm")) {
            assertSameDataSet(TestData.pydicom(name), received);
        }
        Path jpeg2000 = received.get(Part10Header.read(TestData.pydicom("JPEG2000.dcm")).sopInstanceUid());
        assertEquals("1.2.840.10008.1.2.4.91", Part10Header.read(jpeg2000).transferSyntaxUid(), "still JPEG 2000");
    }

    @Test
    void compressedPixelDataSurvivesAReceiverThatReEncodes() throws Exception {
        // without +B storescp parses and rewrites the data set: the encapsulated fragments must still match
        storescp = start("+xa");
        Path sent = TestData.pydicom("JPEG2000.dcm");
        try (DicomStoreClient client = new DicomStoreClient(destination(storescp.port()))) {
            assertEquals(StoreStatus.SUCCESS, client.store(sent).code());
        }
        Path arrived = received().get(Part10Header.read(sent).sopInstanceUid());
        assertNotNull(arrived, storescp.log());
        assertArrayEquals(pixelData(sent), pixelData(arrived));
    }

    @Test
    void twentyObjectsTravelOverOneAssociationInSmallPdus() throws Exception {
        // 4 KiB PDUs: every data set but the smallest is split into many fragments
        storescp = start("+xa", "+B", "-pdu", "4096");
        try (DicomStoreClient client = new DicomStoreClient(destination(storescp.port()))) {
            for (String name : CORPUS) {
                Part10Header header = Part10Header.read(TestData.pydicom(name));
                client.expect(header.sopClassUid(), header.transferSyntaxUid());
            }
            for (String name : CORPUS) {
                StoreStatus status = storeOrFail(client, name);
                assertEquals(StoreStatus.SUCCESS, status.code(), name + ": " + status.describe());
            }
            assertEquals(1, client.associationsOpened());
        }
        waitForLog("Association Release");
        assertEquals(1, storescp.associationsAcknowledged(), storescp.log());
        Map<String, Path> received = received();
        assertEquals(CORPUS.size(), received.size(), storescp.log());
        for (String name : CORPUS) {
            assertSameDataSet(TestData.pydicom(name), received);
        }
    }

    @Test
    void aPeerRestartedBetweenTwoObjectsGetsTheSecondOnANewAssociation() throws Exception {
        Path first = Files.createDirectory(temp.resolve("first"));
        Path second = Files.createDirectory(temp.resolve("second"));
        storescp = Storescp.start(first, temp.resolve("first.log"));
        int port = storescp.port();
        try (DicomChannel channel = new DicomChannel(destination(port))) {
            channel.deliver(TestData.pydicom("CT_small.dcm"), "a.dcm");
            // the kept association dies with the peer: found stale before sending, or failing on the send and
            // then sent again at once on a new association (DicomChannel.storeOnce), never a failed delivery
            storescp.close();
            storescp = Storescp.start(second, temp.resolve("second.log"), port);
            channel.deliver(TestData.pydicom("MR_small.dcm"), "b.dcm");
        }
        assertEquals(1, Files.list(first).count());
        assertEquals(1, Files.list(second).count());
    }

    @Test
    void anObjectOfANewSyntaxMakesTheClientReAssociate() throws Exception {
        storescp = start("+xa", "+B");
        try (DicomStoreClient client = new DicomStoreClient(destination(storescp.port()))) {
            assertEquals(StoreStatus.SUCCESS, client.store(TestData.pydicom("CT_small.dcm")).code());
            assertEquals(StoreStatus.SUCCESS, client.store(TestData.pydicom("MR_small.dcm")).code());
            assertEquals(StoreStatus.SUCCESS, client.store(TestData.pydicom("CT_small.dcm")).code());
            assertEquals(2, client.associationsOpened());
        }
        assertEquals(2, received().size());
    }

    @Test
    void aTransferSyntaxThePeerRefusesIsAPermanentFailureAndTheClientGoesOn() throws Exception {
        // by default storescp takes uncompressed transfer syntaxes only
        storescp = start();
        try (DicomStoreClient client = new DicomStoreClient(destination(storescp.port()))) {
            ForwardException e = assertThrows(ForwardException.class, () -> client.store(TestData.pydicom("JPEG2000.dcm")));
            assertTrue(e.permanent());
            assertTrue(e.getMessage().contains("127.0.0.1:" + storescp.port()), e.getMessage());
            assertTrue(e.getMessage().contains("1.2.840.10008.1.2.4.91") && e.getMessage().contains("transfer syntax not supported"),
                    e.getMessage());
            assertEquals(StoreStatus.SUCCESS, client.store(TestData.pydicom("CT_small.dcm")).code());
        }
        assertEquals(1, received().size());
    }

    @Test
    void nothingListeningIsATransientFailure() throws Exception {
        int port = Storescp.freePort();
        try (DicomStoreClient client = new DicomStoreClient(destination(port))) {
            ForwardException e = assertThrows(ForwardException.class, () -> client.store(TestData.pydicom("CT_small.dcm")));
            assertFalse(e.permanent());
            assertEquals("cannot connect to 127.0.0.1:" + port + ": connection refused (nothing listening?)", e.getMessage());
            assertFalse(assertThrows(ForwardException.class, client::echo).permanent());
        }
    }

    @Test
    void aRefusedAssociationIsAPermanentRejection() throws Exception {
        storescp = start("--refuse");
        try (DicomStoreClient client = new DicomStoreClient(destination(storescp.port()))) {
            ForwardException e = assertThrows(ForwardException.class, client::echo);
            assertTrue(e.permanent());
            assertTrue(e.getMessage().startsWith("127.0.0.1:" + storescp.port()), e.getMessage());
            assertTrue(e.getMessage().contains("rejected permanently by the called application"), e.getMessage());
        }
    }

    @Test
    void aPeerThatCannotWriteAnswersWithATransientFailureStatus() throws Exception {
        Path vanishing = Files.createDirectory(temp.resolve("vanishing"));
        storescp = Storescp.start(vanishing, temp.resolve("storescp.log"), "+xa");
        Files.delete(vanishing);
        try (DicomStoreClient client = new DicomStoreClient(destination(storescp.port()))) {
            StoreStatus status = client.store(TestData.pydicom("CT_small.dcm"));
            assertEquals(StoreStatus.Outcome.FAILURE, status.outcome(), status.describe());
            assertEquals(0xA700, status.code() & 0xFF00, status.describe());
            assertFalse(status.permanent());
            // a failure status leaves the association usable
            client.echo();
            assertEquals(1, client.associationsOpened());
        }
    }

    @Test
    void aPeerAbortingMidTransferIsATransientFailure() throws Exception {
        storescp = start("+xa", "--abort-during");
        try (DicomStoreClient client = new DicomStoreClient(destination(storescp.port()))) {
            ForwardException e = assertThrows(ForwardException.class, () -> client.store(TestData.pydicom("waveform_ecg.dcm")));
            assertFalse(e.permanent());
            assertTrue(e.getMessage().startsWith("127.0.0.1:" + storescp.port()), e.getMessage());
        }
        assertTrue(received().isEmpty());
    }

    /** A failed store shows storescp's side of the story too. */
    private StoreStatus storeOrFail(DicomStoreClient client, String name) {
        try {
            return client.store(TestData.pydicom(name));
        } catch (ForwardException e) {
            throw new AssertionError(name + ": " + e.getMessage() + "\nstorescp said:\n" + storescp.log(), e);
        }
    }

    private Storescp start(String... options) throws IOException, InterruptedException {
        Path dir = Files.createDirectories(temp.resolve("received"));
        return Storescp.start(dir, temp.resolve("storescp.log"), options);
    }

    private static Destination destination(int port) {
        return new Destination("127.0.0.1", port, "STORESCP", "DEIDGW", Duration.ofSeconds(5), Duration.ofSeconds(10));
    }

    /** Received files by SOP instance UID. */
    private Map<String, Path> received() throws IOException {
        Map<String, Path> byUid = new HashMap<>();
        Path dir = temp.resolve("received");
        if (!Files.isDirectory(dir)) {
            return byUid;
        }
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.toList()) {
                byUid.put(Part10Header.read(f).sopInstanceUid(), f);
            }
        }
        return byUid;
    }

    private static void assertSameDataSet(Path sent, Map<String, Path> received) throws IOException {
        Part10Header header = Part10Header.read(sent);
        Path arrived = received.get(header.sopInstanceUid());
        assertNotNull(arrived, sent.getFileName() + " arrived");
        byte[] a = Files.readAllBytes(sent);
        byte[] b = Files.readAllBytes(arrived);
        // an odd deflated stream travels with the one NUL of padding PS3.5 A.5 asks for
        byte[] sentDataSet = Arrays.copyOfRange(a, (int) header.dataSetOffset(), a.length + (header.oddLength() ? 1 : 0));
        byte[] arrivedDataSet = Arrays.copyOfRange(b, (int) Part10Header.read(arrived).dataSetOffset(), b.length);
        assertArrayEquals(sentDataSet, arrivedDataSet, sent.getFileName() + ": data set changed on the way");
    }

    /** The encapsulated Pixel Data: from its (7FE0,0010) OB undefined-length header to the end of the file. */
    private static byte[] pixelData(Path file) throws IOException {
        byte[] b = Files.readAllBytes(file);
        byte[] tag = {(byte) 0xE0, 0x7F, 0x10, 0x00, 'O', 'B', 0, 0, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF};
        for (int i = b.length - tag.length; i >= 0; i--) {
            if (Arrays.equals(b, i, i + tag.length, tag, 0, tag.length)) {
                return Arrays.copyOfRange(b, i, b.length);
            }
        }
        throw new AssertionError(file + " has no encapsulated Pixel Data");
    }

    private void waitForLog(String text) throws InterruptedException {
        for (int i = 0; i < 100 && !storescp.log().contains(text); i++) {
            Thread.sleep(50);
        }
    }
}
