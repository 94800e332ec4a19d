package org.deidgateway.receive;

import org.deidgateway.net.AssociateRequest.ProposedContext;
import org.deidgateway.net.AssociateRequestEncoder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The source-address allow-list, on loopback: all of 127.0.0.0/8 is local on Linux, so a socket
 * bound to 127.0.0.2 is a second source address without leaving the machine.
 */
class AllowedSourcesTest {

    private DicomListener listener;

    @AfterEach
    void stop() {
        if (listener != null) {
            listener.close();
        }
    }

    @Test
    void aSourceOutsideTheListIsClosedAtOnceAndOneInsideIsServed() throws Exception {
        // ARTIM of 20 s: a refused connection that ends quickly was closed by the filter, not by a timeout
        start("127.0.0.2/32");
        long started = System.nanoTime();
        try (Socket fromDotOne = new Socket()) {
            fromDotOne.bind(new InetSocketAddress("127.0.0.1", 0));
            fromDotOne.connect(new InetSocketAddress("127.0.0.1", listener.port()));
            fromDotOne.setSoTimeout(5000);
            assertEquals(-1, fromDotOne.getInputStream().read(), "closed without a byte");
        }
        assertTrue(System.nanoTime() - started < TimeUnit.SECONDS.toNanos(3), "closed immediately");
        assertNotEquals(0, echoscu(), "echoscu connects from 127.0.0.1");

        try (Socket fromDotTwo = new Socket()) {
            fromDotTwo.bind(new InetSocketAddress("127.0.0.2", 0));
            fromDotTwo.connect(new InetSocketAddress("127.0.0.1", listener.port()));
            fromDotTwo.setSoTimeout(5000);
            fromDotTwo.getOutputStream().write(AssociateRequestEncoder.encode("DEIDGW", "TEST", List.of(
                    new ProposedContext(1, AssociationHandler.VERIFICATION_SOP_CLASS, List.of("1.2.840.10008.1.2"))), 16384));
            assertEquals(0x02, fromDotTwo.getInputStream().read(), "A-ASSOCIATE-AC for 127.0.0.2");
        }
        assertTrue(listener.listening());
    }

    @Test
    void aBlockAdmitsEveryAddressInIt() throws Exception {
        start("127.0.0.0/8");
        assertEquals(0, echoscu());
    }

    private void start(String allowed) throws IOException {
        listener = DicomListener.start(new ReceiverSettings("DEIDGW", "127.0.0.1", 0, 4, Duration.ofSeconds(20),
                Duration.ofSeconds(20), ReceiverSettings.DEFAULT_MAX_PDU_LENGTH, Set.of())
                .withAllowedSources(SourceAddressFilter.parse(List.of(allowed))));
    }

    private int echoscu() throws Exception {
        ProcessBuilder pb = new ProcessBuilder("echoscu", "-aec", "DEIDGW", "-to", "5", "-ta", "5", "-td", "5",
                InetAddress.getLoopbackAddress().getHostAddress(), Integer.toString(listener.port()));
        pb.environment().put("TCP_NODELAY", "1");
        pb.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD);
        Process p = pb.start();
        assertTrue(p.waitFor(20, TimeUnit.SECONDS), "echoscu finished");
        return p.exitValue();
    }
}
