package org.deidgateway.tls;

import org.junit.jupiter.api.Test;

import javax.net.ssl.SSLContext;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The handshake deadline holds against a peer that keeps each read busy but never finishes. */
class TlsSocketsTest {

    @Test
    void aPeerTricklingItsHelloByteByByteIsCutOffAtTheDeadline() throws Exception {
        OwnCertificate own = OwnCertificate.selfSigned("ec", "listener", List.of("127.0.0.1"), 2);
        SSLContext context = TlsMaterial.of(own.key(), own.chain(), Map.of()).listener(false).context();
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
             Socket trickler = new Socket(server.getInetAddress(), server.getLocalPort());
             Socket accepted = server.accept()) {
            Thread sender = new Thread(() -> {
                try {
                    OutputStream out = trickler.getOutputStream();
                    // the start of a TLS record holding a ClientHello, then a byte now and then: never complete
                    for (int b : new int[] {0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xFC, 0x03, 0x03, 0, 0, 0, 0, 0, 0}) {
                        out.write(b);
                        out.flush();
                        Thread.sleep(200);
                    }
                } catch (Exception ignored) {
                    // the listener closed the connection: that is the point
                }
            });
            sender.setDaemon(true);
            sender.start();
            // each read is answered well within the 5 s read timeout; only the overall deadline ends it
            accepted.setSoTimeout(5000);
            long started = System.nanoTime();
            SocketTimeoutException e = assertThrows(SocketTimeoutException.class,
                    () -> TlsSockets.accept(context, false, accepted, Duration.ofSeconds(1)));
            long elapsed = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
            assertEquals("no TLS handshake within 1 s", e.getMessage());
            assertTrue(elapsed >= 900 && elapsed < 2500, elapsed + " ms");
            assertTrue(accepted.isClosed(), "the plain socket was closed");
        }
    }
}
