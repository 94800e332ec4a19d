package org.deidgateway.receive;

import org.deidgateway.testsupport.TestDatabases;
import org.deidgateway.store.Database;
import org.deidgateway.testsupport.TestData;
import org.deidgateway.testsupport.TestPki;
import org.deidgateway.testsupport.TestPki.Party;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The listener over TLS against dcmtk (echoscu, storescu) and openssl s_client, on loopback. The
 * gateway's certificate and a sender's are issued by a test CA the gateway trusts; a rogue sender
 * has a self-signed certificate nobody trusts.
 */
class TlsListenerTest {

    @TempDir
    static Path pkiDir;
    private static TestPki pki;
    private static Party gateway;
    private static Party sender;
    private static Party rogue;

    @TempDir
    Path dir;
    private DicomListener listener;
    private Database db;

    @BeforeAll
    static void pki() throws Exception {
        pki = TestPki.create(pkiDir);
        gateway = pki.issue("gateway", "IP:127.0.0.1");
        sender = pki.issue("pacs", "DNS:pacs.example.org");
        rogue = pki.selfSigned("rogue", "DNS:rogue.example.org");
    }

    @AfterEach
    void stop() {
        if (listener != null) {
            listener.close();
        }
        if (db != null) {
            db.close();
        }
    }

    @Test
    void echoscuAndStorescuOverTlsAreServedAndTheObjectSpooled() throws Exception {
        db = TestDatabases.open(dir.resolve("deid.db"));
        IntakeLog intake = new IntakeLog(db);
        start(false, new StoreService(new Spool(dir.resolve("spool")), intake));
        Run echo = dcmtk("echoscu", "+tls", sender.key().toString(), sender.certificate().toString(), "+cf", ca());
        assertEquals(0, echo.exit, echo.output);
        // without a certificate of its own (anonymous TLS): allowed while client certificates are not required
        assertEquals(0, dcmtk("echoscu", "+tla", "+cf", ca()).exit);
        Run store = dcmtk("storescu", List.of(TestData.pydicom("CT_small.dcm").toString()), "+tls", sender.key().toString(),
                sender.certificate().toString(), "+cf", ca());
        assertEquals(0, store.exit, store.output);
        assertTrue(store.output.contains("Received Store Response (Success)"), store.output);
        assertEquals(1, intake.count(IntakeLog.STATE_RECEIVED), "the object arrived in the spool");
    }

    @Test
    void tls13AndTls12AreNegotiatedAndOlderProtocolsOrWeakSuitesRefused() throws Exception {
        start(false, null);
        String tls13 = sClient("-tls1_3");
        assertTrue(tls13.contains("Protocol version: TLSv1.3"), tls13);
        String tls12 = sClient("-tls1_2");
        assertTrue(tls12.contains("Protocol version: TLSv1.2"), tls12);
        assertTrue(tls12.contains("Ciphersuite: ECDHE-RSA-AES256-GCM-SHA384"), "our preference wins: " + tls12);
        // openssl needs security level 0 to offer TLS 1.1 at all; the gateway answers with a protocol_version alert
        String tls11 = sClient("-tls1_1", "-cipher", "DEFAULT:@SECLEVEL=0");
        assertTrue(tls11.contains("alert protocol version") && !tls11.contains("Protocol version: TLSv1.1"), tls11);
        // RSA key exchange with CBC: no forward secrecy, no AEAD
        String weak = sClient("-tls1_2", "-cipher", "AES128-SHA");
        assertTrue(weak.contains("handshake failure") && !weak.contains("CONNECTION ESTABLISHED"), weak);
        assertTrue(listener.listening());
    }

    @Test
    void plainDicomIsRefusedByATlsListenerAndASilentPeerStallsNothing() throws Exception {
        start(false, null);
        assertNotEquals(0, dcmtk("echoscu").exit, "plain TCP association");
        try (Socket silent = new Socket("127.0.0.1", listener.port())) {
            // a peer that connects and never handshakes holds one association thread, not the accept loop
            assertEquals(0, dcmtk("echoscu", "+tla", "+cf", ca()).exit);
            silent.setSoTimeout(10_000);
            long started = System.nanoTime();
            assertEquals(-1, silent.getInputStream().read(), "closed after ARTIM");
            assertTrue(System.nanoTime() - started < TimeUnit.SECONDS.toNanos(5));
        }
        assertEquals(0, dcmtk("echoscu", "+tla", "+cf", ca()).exit);
    }

    @Test
    void aFullTlsListenerClosesFurtherConnectionsAtOnceInsteadOfHandshakingOnTheAcceptThread() throws Exception {
        start(false, null, 1);
        try (Socket holder = new Socket("127.0.0.1", listener.port())) {
            // a silent connection waits outside the pool; one that has begun a handshake (a TLS record's
            // first byte) takes the only association slot, for ARTIM (2 s)
            holder.getOutputStream().write(0x16);
            Thread.sleep(200);
            try (Socket extra = new Socket("127.0.0.1", listener.port())) {
                extra.getOutputStream().write(0x16);
                extra.setSoTimeout(5000);
                long started = System.nanoTime();
                assertEquals(-1, extra.getInputStream().read(), "closed without a handshake");
                assertTrue(System.nanoTime() - started < TimeUnit.MILLISECONDS.toNanos(1000), "at once, not after ARTIM");
            }
        }
        Thread.sleep(2500);
        assertEquals(0, dcmtk("echoscu", "+tla", "+cf", ca()).exit, "served again once the slot is free");
    }

    @Test
    void aRequiredClientCertificateMustBePresentAndTrusted() throws Exception {
        start(true, null);
        Run anonymous = dcmtk("echoscu", "+tla", "+cf", ca());
        assertNotEquals(0, anonymous.exit, "no certificate: " + anonymous.output);
        Run untrusted = dcmtk("echoscu", "+tls", rogue.key().toString(), rogue.certificate().toString(), "+cf", ca());
        assertNotEquals(0, untrusted.exit, "untrusted certificate: " + untrusted.output);
        Run trusted = dcmtk("echoscu", "+tls", sender.key().toString(), sender.certificate().toString(), "+cf", ca());
        assertEquals(0, trusted.exit, trusted.output);
    }

    private void start(boolean requireClientCertificate, StoreService storage) throws Exception {
        start(requireClientCertificate, storage, 8);
    }

    private void start(boolean requireClientCertificate, StoreService storage, int maxAssociations) throws Exception {
        ReceiverSettings settings = new ReceiverSettings("DEIDGW", "127.0.0.1", 0, maxAssociations, Duration.ofSeconds(2),
                Duration.ofSeconds(10), ReceiverSettings.DEFAULT_MAX_PDU_LENGTH, Set.of())
                .withTls(gateway.material(Map.of("hospital-ca", pki.ca.x509())).listener(requireClientCertificate));
        listener = DicomListener.start(settings, storage);
    }

    private static String ca() {
        return pki.ca.certificate().toString();
    }

    private record Run(int exit, String output) {
    }

    private Run dcmtk(String tool, String... options) throws Exception {
        return dcmtk(tool, List.of(), options);
    }

    /** echoscu or storescu (with {@code files}) against the listener, calling DEIDGW. */
    private Run dcmtk(String tool, List<String> files, String... options) throws Exception {
        List<String> command = new ArrayList<>(List.of(tool, "-v"));
        command.addAll(List.of(options));
        command.addAll(List.of("-aec", "DEIDGW", "-to", "5", "-ta", "5", "-td", "5", "127.0.0.1",
                Integer.toString(listener.port())));
        command.addAll(files);
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().put("TCP_NODELAY", "1");
        Path log = Files.createTempFile(dir, tool, ".log");
        pb.redirectErrorStream(true).redirectOutput(log.toFile());
        Process p = pb.start();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), tool + " finished");
        return new Run(p.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
    }

    /** openssl s_client handshakes, prints what it negotiated, and leaves at the end of its (empty) input. */
    private String sClient(String... options) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("openssl", "s_client", "-brief", "-CAfile", ca(), "-connect",
                "127.0.0.1:" + listener.port()));
        command.addAll(List.of(options));
        Path log = Files.createTempFile(dir, "s_client", ".log");
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "s_client finished");
        return Files.readString(log, StandardCharsets.UTF_8);
    }
}
