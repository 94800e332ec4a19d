package org.deidgateway.forward;

import org.deidgateway.forward.DeliveryChannel.DeliveryException;
import org.deidgateway.testsupport.TestData;
import org.deidgateway.testsupport.TestPki;
import org.deidgateway.testsupport.TestPki.Party;
import org.deidgateway.tls.OwnCertificate;
import org.deidgateway.tls.PemFiles;
import org.deidgateway.tls.TlsMaterial;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The C-STORE client over TLS against dcmtk's storescp +tls on loopback. The gateway's own
 * certificate is generated here, self-signed, as deid tls generate makes it; storescp's is issued
 * by a test CA that the gateway trusts.
 */
class TlsForwardTest {

    @TempDir
    static Path pkiDir;
    private static TestPki pki;
    private static Party storescpParty;
    private static OwnCertificate gateway;
    private static Path gatewayPem;
    private static SSLContext gatewayContext;

    @TempDir
    Path temp;
    private Storescp storescp;

    @BeforeAll
    static void pki() throws Exception {
        pki = TestPki.create(pkiDir);
        storescpParty = pki.issue("storescp", "IP:127.0.0.1");
        gateway = OwnCertificate.selfSigned("rsa", "deid-gateway", List.of("127.0.0.1"), 2);
        gatewayPem = Files.writeString(pkiDir.resolve("gateway.pem"), PemFiles.toPem(List.of(gateway.chain())));
        gatewayContext = TlsMaterial.of(gateway.key(), gateway.chain(), Map.of("hospital-ca", pki.ca.x509())).clientContext();
    }

    @AfterEach
    void stop() throws InterruptedException {
        if (storescp != null) {
            storescp.close();
        }
    }

    @Test
    void objectsArriveAtAStorescpThatRequiresTheGatewaysCertificateOverOneAssociation() throws Exception {
        storescp = startTls(storescpParty, "--require-peer-cert", "+cf", gatewayPem.toString());
        try (DicomStoreClient client = new DicomStoreClient(destination(gatewayContext))) {
            for (String name : List.of("CT_small.dcm", "MR_small.dcm")) {
                Part10Header header = Part10Header.read(TestData.pydicom(name));
                client.expect(header.sopClassUid(), header.transferSyntaxUid());
            }
            client.echo();
            assertEquals(StoreStatus.SUCCESS, client.store(TestData.pydicom("CT_small.dcm")).code());
            // idle past the client's staleness probe, which reads through TLS with a 1 ms timeout
            Thread.sleep(1300);
            assertEquals(StoreStatus.SUCCESS, client.store(TestData.pydicom("MR_small.dcm")).code());
            assertEquals(1, client.associationsOpened());
        }
        assertEquals(2, received(), storescp.log());
    }

    @Test
    void anEcGatewayCertificateIsTakenToo() throws Exception {
        OwnCertificate ec = OwnCertificate.selfSigned("ec", "deid-gateway-ec", List.of("127.0.0.1"), 2);
        Path ecPem = Files.writeString(temp.resolve("gateway-ec.pem"), PemFiles.toPem(List.of(ec.chain())));
        storescp = startTls(storescpParty, "--require-peer-cert", "+cf", ecPem.toString());
        SSLContext context = TlsMaterial.of(ec.key(), ec.chain(), Map.of("hospital-ca", pki.ca.x509())).clientContext();
        try (DicomStoreClient client = new DicomStoreClient(destination(context))) {
            client.echo();
        }
    }

    @Test
    void anUntrustedPeerIsAConfigurationErrorAndNoObjectIsBlamed() throws Exception {
        Party rogue = pki.selfSigned("rogue-scp", "IP:127.0.0.1");
        storescp = startTls(rogue, "-ic");
        ForwardException e = assertThrows(ForwardException.class, () -> storeOnce(destination(gatewayContext)));
        assertTrue(e.getMessage().contains("certificate 'CN=rogue-scp'") && e.getMessage().contains("is not trusted")
                && e.getMessage().contains("configuration error"), e.getMessage());
        assertTrue(e.refusesAssociation(), "the destination's fault, not the object's");
        DicomChannel channel = new DicomChannel(destination(gatewayContext));
        DeliveryException delivery = assertThrows(DeliveryException.class,
                () -> channel.deliver(TestData.pydicom("CT_small.dcm"), "x.dcm"));
        assertFalse(delivery.permanent(), "kept in the queue, not a dead letter: " + delivery.getMessage());
        assertEquals(0, received());
    }

    @Test
    void aPeerThatDoesNotTrustTheGatewaySaysSo() throws Exception {
        // storescp trusts only the test CA, which did not issue the gateway's self-signed certificate
        storescp = startTls(storescpParty, "--require-peer-cert", "+cf", pki.ca.certificate().toString());
        ForwardException e = assertThrows(ForwardException.class, () -> storeOnce(destination(gatewayContext)));
        // Java reports either the peer's alert or, when the peer closes before it is read, the broken connection
        // after the certificate request: both name the remedy
        assertTrue(e.getMessage().contains("the gateway's certificate") && e.getMessage().contains("deid tls export-cert")
                && e.refusesAssociation(), e.getMessage());
        assertEquals(0, received());
    }

    @Test
    void aCertificateForAnotherHostIsRefused() throws Exception {
        Party elsewhere = pki.issue("elsewhere", "DNS:pacs.example.org");
        storescp = startTls(elsewhere, "-ic");
        ForwardException e = assertThrows(ForwardException.class, () -> storeOnce(destination(gatewayContext)));
        assertTrue(e.getMessage().contains("does not name the host") && e.refusesAssociation(), e.getMessage());
    }

    @Test
    void aPlainPeerOnADestinationMarkedTlsFailsClearly() throws Exception {
        storescp = Storescp.start(temp, temp.resolve("storescp.log"));
        ForwardException e = assertThrows(ForwardException.class, () -> storeOnce(destination(gatewayContext)));
        assertTrue(e.getMessage().contains("TLS handshake failed") && e.getMessage().contains("may not speak TLS on this port"),
                e.getMessage());
        assertEquals(0, received());
    }

    private void storeOnce(Destination destination) throws ForwardException {
        try (DicomStoreClient client = new DicomStoreClient(destination)) {
            StoreStatus status = client.store(TestData.pydicom("CT_small.dcm"));
            throw new AssertionError("stored with status " + status.describe());
        }
    }

    private Storescp startTls(Party own, String... options) throws Exception {
        String[] all = Stream.concat(Stream.of("+tls", own.key().toString(), own.certificate().toString()), Stream.of(options))
                .toArray(String[]::new);
        return Storescp.start(temp, temp.resolve("storescp.log"), all);
    }

    private Destination destination(SSLContext context) {
        return new Destination("127.0.0.1", storescp.port(), "STORESCP", "DEIDGW", Duration.ofSeconds(5),
                Duration.ofSeconds(10)).withTls(context);
    }

    private long received() throws Exception {
        try (Stream<Path> files = Files.list(temp)) {
            return files.filter(p -> !p.getFileName().toString().endsWith(".log")).count();
        }
    }
}
