package org.deidgateway.forward;

import org.deidgateway.net.AssociateRequest;
import org.deidgateway.net.AssociateRequest.ProposedContext;
import org.deidgateway.net.Pdu;
import org.deidgateway.net.PduEncoder;
import org.deidgateway.net.PduEncoder.AcceptedContext;
import org.deidgateway.testsupport.TestData;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Peers that accept the association and then stall: one stops reading mid data set, one reads
 * everything and never answers. Both must cost the sender its timeout, not its thread.
 */
class StalledPeerForwardTest {

    @TempDir
    Path temp;
    private ServerSocket server;
    private final List<Socket> accepted = new ArrayList<>();

    @AfterEach
    void stop() throws IOException {
        server.close();
        synchronized (accepted) {
            for (Socket s : accepted) {
                s.close();
            }
        }
    }

    @Test
    void aPeerThatStopsReadingIsGivenUpAfterTheTimeout() throws Exception {
        startPeer(false);
        // far more than loopback socket buffers hold, so the sender blocks in write
        Path big = temp.resolve("big.dcm");
        Files.copy(TestData.pydicom("CT_small.dcm"), big);
        try (OutputStream out = Files.newOutputStream(big, StandardOpenOption.APPEND)) {
            byte[] zeros = new byte[1 << 20];
            for (int i = 0; i < 64; i++) {
                out.write(zeros);
            }
        }
        try (DicomStoreClient client = new DicomStoreClient(destination())) {
            ForwardException e = assertTimeoutPreemptively(Duration.ofSeconds(15),
                    () -> assertThrows(ForwardException.class, () -> client.store(big)));
            assertFalse(e.permanent());
            assertEquals("127.0.0.1:" + server.getLocalPort() + ": no progress within 2 s while sending", e.getMessage());
        }
    }

    @Test
    void aPeerThatNeverAnswersIsGivenUpAfterTheTimeout() throws Exception {
        startPeer(true);
        try (DicomStoreClient client = new DicomStoreClient(destination())) {
            ForwardException e = assertTimeoutPreemptively(Duration.ofSeconds(15),
                    () -> assertThrows(ForwardException.class, () -> client.store(TestData.pydicom("CT_small.dcm"))));
            assertFalse(e.permanent());
            assertTrue(e.getMessage().endsWith("no progress within 2 s while waiting for the response"), e.getMessage());
        }
    }

    private Destination destination() {
        return new Destination("127.0.0.1", server.getLocalPort(), "STALLED", "DEIDGW", Duration.ofSeconds(2),
                Duration.ofSeconds(2));
    }

    /** Accepts every proposed context in its first transfer syntax, then reads on (or not) without a word. */
    private void startPeer(boolean keepReading) throws IOException {
        server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        Thread peer = new Thread(() -> {
            try {
                Socket s = server.accept();
                synchronized (accepted) {
                    accepted.add(s);
                }
                InputStream in = s.getInputStream();
                AssociateRequest request = AssociateRequest.parse(Pdu.read(in, 1 << 16).body());
                List<AcceptedContext> contexts = new ArrayList<>();
                for (ProposedContext c : request.contexts()) {
                    contexts.add(new AcceptedContext(c.id(), AcceptedContext.ACCEPTANCE, c.transferSyntaxes().get(0)));
                }
                s.getOutputStream().write(PduEncoder.associateAccept(request, contexts, 16384, "1.2.3", "STALLED"));
                s.getOutputStream().flush();
                if (keepReading) {
                    in.transferTo(OutputStream.nullOutputStream());
                }
            } catch (Exception ignored) {
                // the test closes the sockets under this thread
            }
        }, "stalled-peer");
        peer.setDaemon(true);
        peer.start();
    }
}
