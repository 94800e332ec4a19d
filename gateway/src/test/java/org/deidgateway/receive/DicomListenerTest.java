package org.deidgateway.receive;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The receiver against dcmtk's echoscu and hostile raw sockets, on loopback. */
class DicomListenerTest {

    private DicomListener listener;

    @BeforeEach
    void start() throws IOException {
        listener = DicomListener.start(new ReceiverSettings("DEIDGW", "127.0.0.1", 0, 8, Duration.ofSeconds(2),
                Duration.ofSeconds(5), ReceiverSettings.DEFAULT_MAX_PDU_LENGTH, Set.of()));
    }

    @AfterEach
    void stop() {
        listener.close();
    }

    @Test
    void answersEchoscuAndRejectsAForeignCalledAeTitle() throws Exception {
        assertEquals(0, echoscu("DEIDGW"));
        assertNotEquals(0, echoscu("SOMEONE_ELSE"));
        assertEquals(0, echoscu("DEIDGW"));
    }

    @Test
    void aForgedPduLengthIsAbortedWithoutAllocatingIt() throws Exception {
        try (Socket s = new Socket("127.0.0.1", listener.port())) {
            s.setSoTimeout(5000);
            // A-ASSOCIATE-RQ announcing almost 4 GiB
            s.getOutputStream().write(new byte[] {0x01, 0, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xF0});
            s.getOutputStream().flush();
            assertEquals(0x07, readPduType(s.getInputStream()), "answered with A-ABORT");
        }
        assertEquals(0, echoscu("DEIDGW"));
    }

    @Test
    void garbageTruncatedAndSilentPeersDoNotHurtTheService() throws Exception {
        byte[] garbage = new byte[4096];
        new Random(1).nextBytes(garbage);
        garbage[0] = 0x42;
        try (Socket s = new Socket("127.0.0.1", listener.port())) {
            s.getOutputStream().write(garbage);
            s.setSoTimeout(5000);
            assertEquals(0x07, readPduType(s.getInputStream()));
        }
        try (Socket s = new Socket("127.0.0.1", listener.port())) {
            // the header of an association request, then the connection ends
            s.getOutputStream().write(new byte[] {0x01, 0, 0, 0, 0x44, 0x00, 0, 1});
        }
        // let the handlers of the two connections above finish, so that the pool is empty again
        Thread.sleep(1500);
        // more peers that started an association request than associations allowed: the extra one is
        // rejected, not queued (silent peers take no slot at all: see below)
        List<Socket> stalled = new ArrayList<>();
        try {
            for (int i = 0; i < 8; i++) {
                Socket s = new Socket("127.0.0.1", listener.port());
                s.getOutputStream().write(new byte[] {0x01, 0, 0, 0});
                stalled.add(s);
            }
            Thread.sleep(300);
            try (Socket extra = new Socket("127.0.0.1", listener.port())) {
                extra.getOutputStream().write(new byte[] {0x01, 0, 0, 0});
                extra.setSoTimeout(5000);
                assertEquals(0x03, readPduType(extra.getInputStream()), "A-ASSOCIATE-RJ when all associations are taken");
            }
            // the stalled ones are aborted after the ARTIM timeout, and service resumes
            Thread.sleep(2500);
            assertEquals(0, echoscu("DEIDGW"));
        } finally {
            for (Socket s : stalled) {
                s.close();
            }
        }
        assertTrue(listener.listening());
    }

    @Test
    void aPeerTricklingItsAssociationRequestIsCutOffAtArtimNotPerRead() throws Exception {
        // an A-ASSOCIATE-RQ announcing 256 bytes, then one byte every 400 ms: each read is well within
        // ARTIM (2 s), the whole request never is
        byte[] header = {0x01, 0, 0, 0, 0x01, 0x00};
        long started = System.nanoTime();
        long cutAfterMillis = -1;
        try (Socket s = new Socket("127.0.0.1", listener.port())) {
            s.setSoTimeout(100);
            for (int i = 0; TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started) < 8000; i++) {
                try {
                    s.getOutputStream().write(i < header.length ? header[i] : 0);
                    int answer = s.getInputStream().read();
                    if (answer == -1 || answer == 0x07) {
                        cutAfterMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
                        break;
                    }
                } catch (SocketTimeoutException stillOpen) {
                    Thread.sleep(300);
                } catch (IOException closed) {
                    cutAfterMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
                    break;
                }
            }
        }
        assertTrue(cutAfterMillis > 0, "the trickling peer was never cut off");
        assertTrue(cutAfterMillis < 4000, "cut off after " + cutAfterMillis + " ms, ARTIM is 2 s");
        assertEquals(0, echoscu("DEIDGW"));
    }

    @Test
    void fiveHundredSilentConnectionsTakeNoAssociationAndAreClosedAfterArtim() throws Exception {
        List<Socket> silent = new ArrayList<>();
        try {
            for (int i = 0; i < 500; i++) {
                silent.add(new Socket("127.0.0.1", listener.port()));
            }
            long started = System.nanoTime();
            assertEquals(0, echoscu("DEIDGW"), "echo while 500 silent connections are open");
            long echoMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
            assertTrue(echoMillis < 3000, "echo answered in " + echoMillis + " ms");
            // ARTIM is 2 s: by 4 s every silent connection has been closed by the receiver
            Thread.sleep(4000);
            assertEquals(500, closedByPeer(silent), "silent connections closed after the ARTIM timeout");
        } finally {
            for (Socket s : silent) {
                s.close();
            }
        }
        assertTrue(listener.listening());
    }

    @Test
    void aFullWaitingRoomClosesItsOldestConnections() throws Exception {
        listener.close();
        listener = DicomListener.start(new ReceiverSettings("DEIDGW", "127.0.0.1", 0, 8, Duration.ofSeconds(20),
                Duration.ofSeconds(5), ReceiverSettings.DEFAULT_MAX_PDU_LENGTH, Set.of()).withMaxWaitingConnections(10));
        List<Socket> silent = new ArrayList<>();
        try {
            for (int i = 0; i < 30; i++) {
                silent.add(new Socket("127.0.0.1", listener.port()));
            }
            Thread.sleep(500);
            // a real peer sends at once: it is never the oldest, so it gets through
            assertEquals(0, echoscu("DEIDGW"));
            Thread.sleep(500);
            assertEquals(20, closedByPeer(silent.subList(0, 20)), "the 20 oldest closed well before ARTIM");
            for (Socket s : silent.subList(21, 30)) {
                s.setSoTimeout(100);
                assertThrows(SocketTimeoutException.class, () -> s.getInputStream().read(), "the newest still wait");
            }
        } finally {
            for (Socket s : silent) {
                s.close();
            }
        }
    }

    /** How many of the sockets the other side has closed (end of stream, or a reset). */
    private static int closedByPeer(List<Socket> sockets) throws IOException {
        int closed = 0;
        for (Socket s : sockets) {
            s.setSoTimeout(1000);
            try {
                if (s.getInputStream().read() == -1) {
                    closed++;
                }
            } catch (SocketTimeoutException e) {
                // still open
            } catch (SocketException e) {
                closed++;
            }
        }
        return closed;
    }

    private int echoscu(String calledAe) throws Exception {
        ProcessBuilder pb = new ProcessBuilder("echoscu", "-aec", calledAe, "-to", "5", "-ta", "5", "-td", "5",
                "127.0.0.1", Integer.toString(listener.port()));
        pb.environment().put("TCP_NODELAY", "1");
        pb.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD);
        Process p = pb.start();
        assertTrue(p.waitFor(20, TimeUnit.SECONDS), "echoscu finished");
        return p.exitValue();
    }

    private static int readPduType(InputStream in) throws IOException {
        return in.read();
    }
}
