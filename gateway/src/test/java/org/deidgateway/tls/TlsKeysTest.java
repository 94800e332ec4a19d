package org.deidgateway.tls;

import org.deidgateway.keystore.GatewayKeystore;
import org.deidgateway.keystore.KeystoreException;
import org.deidgateway.testsupport.TestPki;
import org.deidgateway.testsupport.TestPki.Party;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** TLS material in the gateway keystore, PEM files as openssl writes them, and the checks on an imported chain. */
class TlsKeysTest {

    private static final PemFiles.Passphrase NONE = () -> {
        throw new TlsException("no passphrase here");
    };

    @TempDir
    static Path dir;
    private static TestPki pki;

    @BeforeAll
    static void pki() throws Exception {
        pki = TestPki.create(dir.resolve("pki"));
    }

    @Test
    void theKeystoreKeepsTheTlsKeyAndTrustedCertificatesThroughSavesAndAPassphraseChange() throws Exception {
        Path file = dir.resolve("keystore.p12");
        GatewayKeystore keystore = GatewayKeystore.create(file, "first-passphrase".toCharArray(), "lung");
        byte[] master = keystore.projectMasterSecret("lung");
        OwnCertificate own = OwnCertificate.selfSigned("ec", "gw", List.of("gw.example.org", "10.0.0.5"), 30);
        keystore.setTlsKey(own.key(), own.chain());
        keystore.trust("hospital-ca", pki.ca.x509());
        keystore.save(true);
        assertTrue(assertThrows(KeystoreException.class, () -> keystore.trust("hospital-ca", pki.ca.x509()))
                .getMessage().contains("deid tls untrust"));

        // trusted certificates carry no entry protection: re-protecting every entry must leave them be
        GatewayKeystore.open(file, "first-passphrase".toCharArray()).changePassphrase("second-passphrase".toCharArray());
        GatewayKeystore afterChange = GatewayKeystore.open(file, "second-passphrase".toCharArray());
        TlsMaterial material = TlsMaterial.from(afterChange);
        assertArrayEquals(own.chain(), material.ownChain().orElseThrow());
        assertEquals(own.key(), afterChange.tlsKey().orElseThrow().getPrivateKey());
        assertEquals(pki.ca.x509(), material.trusted().get("hospital-ca"));
        assertArrayEquals(master, afterChange.projectMasterSecret("lung"), "project keys untouched");

        X509Certificate certificate = own.chain()[0];
        assertEquals(List.of("DNS:gw.example.org", "IP:10.0.0.5"), CertificateSummary.of(certificate).subjectAlternativeNames());
        assertEquals(List.of("1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"), certificate.getExtendedKeyUsage(), "server and client");
        assertTrue(certificate.getNotAfter().getTime() - System.currentTimeMillis() < 31L * 24 * 3600 * 1000);

        assertTrue(afterChange.untrust("hospital-ca").isPresent());
        assertTrue(afterChange.untrust("hospital-ca").isEmpty());
        assertTrue(assertThrows(TlsException.class, () -> TlsMaterial.from(afterChange).clientContext())
                .getMessage().contains("deid tls trust"));
    }

    @Test
    void privateKeysAreReadInTheFormsOpensslWrites() throws Exception {
        Path keys = Files.createDirectories(dir.resolve("keys"));
        TestPki.openssl(keys, "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", "pkcs8.pem");
        TestPki.openssl(keys, "rsa", "-in", "pkcs8.pem", "-traditional", "-out", "pkcs1.pem");
        TestPki.openssl(keys, "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "sec1.pem");
        TestPki.openssl(keys, "pkcs8", "-topk8", "-in", "pkcs8.pem", "-v2", "aes-256-cbc", "-passout", "pass:key-passphrase",
                "-out", "encrypted.pem");
        TestPki.openssl(keys, "rsa", "-in", "pkcs8.pem", "-aes256", "-traditional", "-passout", "pass:key-passphrase",
                "-out", "legacy-encrypted.pem");
        PrivateKey pkcs8 = PemFiles.readPrivateKey(keys.resolve("pkcs8.pem"), NONE);
        assertEquals("RSA", pkcs8.getAlgorithm());
        assertEquals(pkcs8, PemFiles.readPrivateKey(keys.resolve("pkcs1.pem"), NONE));
        assertEquals("EC", PemFiles.readPrivateKey(keys.resolve("sec1.pem"), NONE).getAlgorithm());
        PemFiles.Passphrase right = "key-passphrase"::toCharArray;
        assertEquals(pkcs8, PemFiles.readPrivateKey(keys.resolve("encrypted.pem"), right));
        assertEquals(pkcs8, PemFiles.readPrivateKey(keys.resolve("legacy-encrypted.pem"), right));
        assertTrue(assertThrows(TlsException.class, () -> PemFiles.readPrivateKey(keys.resolve("encrypted.pem"),
                "wrong-passphrase"::toCharArray)).getMessage().contains("wrong passphrase?"));
        assertEquals("no passphrase here", assertThrows(TlsException.class,
                () -> PemFiles.readPrivateKey(keys.resolve("encrypted.pem"), NONE)).getMessage());
        assertTrue(assertThrows(TlsException.class, () -> PemFiles.readPrivateKey(pki.ca.certificate(), NONE))
                .getMessage().contains("no PEM private key"));
        assertTrue(assertThrows(TlsException.class, () -> PemFiles.readCertificates(keys.resolve("pkcs8.pem")))
                .getMessage().contains("no PEM certificate"));
        assertTrue(assertThrows(TlsException.class, () -> PemFiles.readCertificates(keys.resolve("missing.pem")))
                .getMessage().contains("no such file"));
    }

    @Test
    void anImportedChainIsOrderedFromTheKeysCertificateAndAStrangeKeyRefused() throws Exception {
        Party gateway = pki.issue("gw-import", "DNS:gw.example.org");
        Path bundle = dir.resolve("bundle.pem");
        // the CA first, as some CAs deliver it
        Files.writeString(bundle, Files.readString(pki.ca.certificate()) + Files.readString(gateway.certificate()));
        List<X509Certificate> certificates = PemFiles.readCertificates(bundle);
        OwnCertificate own = OwnCertificate.imported(gateway.privateKey(), certificates);
        assertEquals(gateway.x509(), own.chain()[0]);
        assertEquals(pki.ca.x509(), own.chain()[1]);
        assertEquals(2, own.chain().length);

        Party other = pki.selfSigned("other", "DNS:other.example.org");
        assertTrue(assertThrows(TlsException.class, () -> OwnCertificate.imported(other.privateKey(), certificates))
                .getMessage().contains("no certificate in the file belongs to this private key"));
        Path weak = Files.createDirectories(dir.resolve("weak"));
        TestPki.openssl(weak, "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:1024", "-out", "weak.pem");
        assertTrue(assertThrows(TlsException.class, () -> OwnCertificate.imported(
                PemFiles.readPrivateKey(weak.resolve("weak.pem"), NONE), certificates)).getMessage().contains("at least 2048"));
        assertTrue(assertThrows(TlsException.class, () -> OwnCertificate.selfSigned("rsa", "gw", List.of("not a name!"), 30))
                .getMessage().contains("neither a host name nor an IP address"));
        assertTrue(assertThrows(TlsException.class, () -> OwnCertificate.selfSigned("dsa", "gw", new ArrayList<>(), 30))
                .getMessage().contains("must be rsa or ec"));
    }
}
