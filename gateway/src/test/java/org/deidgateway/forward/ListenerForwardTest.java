package org.deidgateway.forward;

import org.deidgateway.receive.DicomListener;
import org.deidgateway.receive.ReceiverSettings;
import org.deidgateway.testsupport.TestData;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.Socket;
import java.time.Duration;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The client against the gateway's own receiver: both halves of the project's upper layer meet. */
class ListenerForwardTest {

    private DicomListener listener;

    @AfterEach
    void stop() {
        if (listener != null) {
            listener.close();
        }
    }

    @Test
    void echoSucceedsAndTheAssociationIsReused() throws Exception {
        listener = start(8, Duration.ofSeconds(5));
        try (DicomStoreClient client = new DicomStoreClient(destination("DEIDGW"))) {
            client.echo();
            client.echo();
            client.echo();
            assertEquals(1, client.associationsOpened());
        }
    }

    @Test
    void aForeignCalledAeTitleIsRejectedPermanentlyWithTheReason() throws Exception {
        listener = start(8, Duration.ofSeconds(5));
        try (DicomStoreClient client = new DicomStoreClient(destination("NOT_THE_GATEWAY"))) {
            ForwardException e = assertThrows(ForwardException.class, client::echo);
            assertTrue(e.permanent());
            assertEquals("127.0.0.1:" + listener.port() + " (called AE title NOT_THE_GATEWAY) rejected permanently by the "
                    + "called application: called AE title not recognized", e.getMessage());
        }
    }

    @Test
    void aBusyReceiverIsATransientRejection() throws Exception {
        listener = start(1, Duration.ofSeconds(5));
        // a peer that began an association request and stalled takes the only slot until ARTIM ends it
        // (one that sends nothing takes none)
        try (Socket stalled = new Socket("127.0.0.1", listener.port())) {
            stalled.getOutputStream().write(new byte[] {0x01, 0, 0, 0});
            Thread.sleep(200);
            try (DicomStoreClient client = new DicomStoreClient(destination("DEIDGW"))) {
                ForwardException e = assertThrows(ForwardException.class, client::echo);
                assertFalse(e.permanent());
                assertTrue(e.getMessage().endsWith("rejected for now by the peer's presentation layer: local limit exceeded"),
                        e.getMessage());
            }
        }
    }

    @Test
    void anAssociationTheReceiverDroppedWhileIdleIsReplacedSilently() throws Exception {
        listener = start(8, Duration.ofSeconds(1));
        try (DicomStoreClient client = new DicomStoreClient(destination("DEIDGW"))) {
            client.echo();
            // the receiver aborts after 1 s of silence
            Thread.sleep(2500);
            client.echo();
            assertEquals(2, client.associationsOpened());
        }
    }

    @Test
    void aSopClassTheReceiverDoesNotTakeIsAPermanentFailure() throws Exception {
        listener = start(8, Duration.ofSeconds(5));
        try (DicomStoreClient client = new DicomStoreClient(destination("DEIDGW"))) {
            ForwardException e = assertThrows(ForwardException.class, () -> client.store(TestData.pydicom("CT_small.dcm")));
            assertTrue(e.permanent());
            assertTrue(e.getMessage().contains("does not take SOP class 1.2.840.10008.5.1.4.1.1.2 in transfer syntax "
                    + "1.2.840.10008.1.2.1: SOP class not supported"), e.getMessage());
            // the association stays and still serves what was accepted
            client.echo();
            assertEquals(1, client.associationsOpened());
        }
    }

    private static DicomListener start(int maxAssociations, Duration idle) throws IOException {
        return DicomListener.start(new ReceiverSettings("DEIDGW", "127.0.0.1", 0, maxAssociations, Duration.ofSeconds(5),
                idle, ReceiverSettings.DEFAULT_MAX_PDU_LENGTH, Set.of()));
    }

    private Destination destination(String calledAeTitle) {
        return new Destination("127.0.0.1", listener.port(), calledAeTitle, "FORWARD_TEST", Duration.ofSeconds(5),
                Duration.ofSeconds(10));
    }
}
