package org.deidgateway.receive;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
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
        // more silent connections than associations allowed: the extra ones are rejected, not queued
        List<Socket> idle = new ArrayList<>();
        try {
            for (int i = 0; i < 8; i++) {
                idle.add(new Socket("127.0.0.1", listener.port()));
            }
            Thread.sleep(200);
            try (Socket extra = new Socket("127.0.0.1", listener.port())) {
                extra.setSoTimeout(5000);
                assertEquals(0x03, readPduType(extra.getInputStream()), "A-ASSOCIATE-RJ when all associations are taken");
            }
            // the silent ones are dropped after the ARTIM timeout, and service resumes
            Thread.sleep(2500);
            assertEquals(0, echoscu("DEIDGW"));
        } finally {
            for (Socket s : idle) {
                s.close();
            }
        }
        assertTrue(listener.listening());
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
