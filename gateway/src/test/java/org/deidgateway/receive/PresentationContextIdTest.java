package org.deidgateway.receive;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A-ASSOCIATE-RQs whose presentation context IDs break PS3.8 9.3.2.2 (odd, 1-255, unique), sent
 * over a raw socket to the receiver on loopback. They are encoded here byte by byte: the project's
 * own encoder refuses such IDs, as it should.
 */
class PresentationContextIdTest {

    private static final String IMPLICIT_LE = "1.2.840.10008.1.2";
    /** A-ABORT, source 2 (service provider), reason 6 (invalid PDU parameter value). */
    private static final byte[] ABORT_INVALID_PARAMETER = {0x07, 0, 0, 0, 0, 4, 0, 0, 2, 6};

    private DicomListener listener;

    @BeforeEach
    void start() throws IOException {
        listener = DicomListener.start(new ReceiverSettings("DEIDGW", "127.0.0.1", 0, 4, Duration.ofSeconds(5),
                Duration.ofSeconds(5), ReceiverSettings.DEFAULT_MAX_PDU_LENGTH, Set.of()));
    }

    @AfterEach
    void stop() {
        listener.close();
    }

    @Test
    void theHandEncodedRequestIsAcceptedWhenItsIdsAreRight() throws Exception {
        // proves the encoding below: only the IDs make the other requests fail
        assertEquals(0x02, firstPduType(request(1, 3)), "A-ASSOCIATE-AC");
    }

    @Test
    void aDuplicateIdIsAborted() throws Exception {
        assertAbortedAndStillServing(request(1, 1));
        assertAbortedAndStillServing(request(1, 3, 5, 3));
    }

    @Test
    void anEvenIdIsAborted() throws Exception {
        assertAbortedAndStillServing(request(2));
        assertAbortedAndStillServing(request(1, 254));
    }

    @Test
    void idZeroIsAborted() throws Exception {
        assertAbortedAndStillServing(request(0));
    }

    private void assertAbortedAndStillServing(byte[] request) throws Exception {
        try (Socket s = new Socket("127.0.0.1", listener.port())) {
            s.setSoTimeout(5000);
            s.getOutputStream().write(request);
            s.getOutputStream().flush();
            byte[] answer = new byte[ABORT_INVALID_PARAMETER.length];
            new DataInputStream(s.getInputStream()).readFully(answer);
            assertArrayEquals(ABORT_INVALID_PARAMETER, answer, "A-ABORT, service provider, invalid PDU parameter value");
            assertEquals(-1, s.getInputStream().read(), "nothing after the abort");
        }
        assertEquals(0, echoscu(), "the listener still answers C-ECHO");
        assertTrue(listener.listening());
    }

    private int firstPduType(byte[] request) throws IOException {
        try (Socket s = new Socket("127.0.0.1", listener.port())) {
            s.setSoTimeout(5000);
            s.getOutputStream().write(request);
            s.getOutputStream().flush();
            return s.getInputStream().read();
        }
    }

    /** An A-ASSOCIATE-RQ to DEIDGW proposing Verification in implicit VR little endian under each of {@code ids}. */
    private static byte[] request(int... ids) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.write(0);
        body.write(1);
        body.write(0);
        body.write(0);
        body.writeBytes(padded("DEIDGW"));
        body.writeBytes(padded("ATTACKER"));
        body.writeBytes(new byte[32]);
        item(body, 0x10, "1.2.840.10008.3.1.1.1".getBytes(StandardCharsets.US_ASCII));
        for (int id : ids) {
            ByteArrayOutputStream pc = new ByteArrayOutputStream();
            pc.write(id);
            pc.writeBytes(new byte[3]);
            item(pc, 0x30, AssociationHandler.VERIFICATION_SOP_CLASS.getBytes(StandardCharsets.US_ASCII));
            item(pc, 0x40, IMPLICIT_LE.getBytes(StandardCharsets.US_ASCII));
            item(body, 0x20, pc.toByteArray());
        }
        ByteArrayOutputStream user = new ByteArrayOutputStream();
        item(user, 0x51, new byte[] {0, 0, 0x40, 0});
        item(user, 0x52, "1.2.3.4".getBytes(StandardCharsets.US_ASCII));
        item(body, 0x50, user.toByteArray());
        byte[] b = body.toByteArray();
        ByteArrayOutputStream pdu = new ByteArrayOutputStream();
        pdu.write(0x01);
        pdu.write(0);
        pdu.write(b.length >>> 24);
        pdu.write(b.length >>> 16);
        pdu.write(b.length >>> 8);
        pdu.write(b.length);
        pdu.writeBytes(b);
        return pdu.toByteArray();
    }

    private static void item(ByteArrayOutputStream out, int type, byte[] content) {
        out.write(type);
        out.write(0);
        out.write(content.length >>> 8);
        out.write(content.length);
        out.writeBytes(content);
    }

    private static byte[] padded(String aeTitle) {
        byte[] padded = "                ".getBytes(StandardCharsets.US_ASCII);
        byte[] t = aeTitle.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(t, 0, padded, 0, t.length);
        return padded;
    }

    private int echoscu() throws Exception {
        ProcessBuilder pb = new ProcessBuilder("echoscu", "-aec", "DEIDGW", "-to", "5", "-ta", "5", "-td", "5",
                "127.0.0.1", Integer.toString(listener.port()));
        pb.environment().put("TCP_NODELAY", "1");
        pb.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD);
        Process p = pb.start();
        assertTrue(p.waitFor(20, TimeUnit.SECONDS), "echoscu finished");
        return p.exitValue();
    }
}
