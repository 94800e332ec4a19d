package org.deidgateway.tls;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.Test;

import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The verdicts on a peer's certificate, without a network: what is accepted, and the words for what is not. */
class CheckingTrustManagerTest {

    @Test
    void aTrustedPeerCertificatePassesAndAnExpiredOneFailsEvenWhenItIsItselfTrusted() throws Exception {
        X509Certificate valid = OwnCertificate.selfSigned("ec", "peer", List.of("peer.example.org"), 2).chain()[0];
        X509Certificate expired = selfSigned("CN=expired peer", Instant.now().minus(Duration.ofDays(10)),
                Instant.now().minus(Duration.ofDays(1)));
        CheckingTrustManager manager = manager(valid, expired);
        assertDoesNotThrow(() -> manager.checkClientTrusted(new X509Certificate[] {valid}, "EC"));
        UntrustedCertificateException e = assertThrows(UntrustedCertificateException.class,
                () -> manager.checkClientTrusted(new X509Certificate[] {expired}, "EC"));
        assertTrue(e.getMessage().startsWith("certificate 'CN=expired peer' (issued by 'CN=expired peer', SHA-256 ")
                && e.getMessage().contains("is not trusted: it expired on"), e.getMessage());
    }

    @Test
    void anUnknownCertificateOrAnEmptyTrustListIsRefusedInWords() throws Exception {
        X509Certificate trusted = OwnCertificate.selfSigned("ec", "trusted", List.of("a.example.org"), 2).chain()[0];
        X509Certificate stranger = OwnCertificate.selfSigned("ec", "stranger", List.of("b.example.org"), 2).chain()[0];
        assertTrue(assertThrows(UntrustedCertificateException.class,
                () -> manager(trusted).checkServerTrusted(new X509Certificate[] {stranger}, "EC")).getMessage()
                .contains("does not chain to a certificate trusted in the gateway keystore"));
        assertTrue(assertThrows(UntrustedCertificateException.class,
                () -> manager().checkServerTrusted(new X509Certificate[] {stranger}, "EC")).getMessage()
                .contains("trusts no certificate"));
        assertTrue(assertThrows(UntrustedCertificateException.class,
                () -> manager(trusted).checkClientTrusted(new X509Certificate[0], "EC")).getMessage()
                .contains("presented no certificate"));
    }

    private static CheckingTrustManager manager(X509Certificate... trusted) throws Exception {
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        for (int i = 0; i < trusted.length; i++) {
            store.setCertificateEntry("t" + i, trusted[i]);
        }
        TrustManagerFactory factory = TrustManagerFactory.getInstance("PKIX");
        factory.init(store);
        return new CheckingTrustManager((X509ExtendedTrustManager) factory.getTrustManagers()[0], trusted.length > 0);
    }

    private static X509Certificate selfSigned(String subject, Instant from, Instant to) throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(256);
        KeyPair pair = generator.generateKeyPair();
        X500Name name = new X500Name(subject);
        return new JcaX509CertificateConverter().getCertificate(new JcaX509v3CertificateBuilder(name, BigInteger.ONE,
                Date.from(from), Date.from(to), name, pair.getPublic())
                .build(new JcaContentSignerBuilder("SHA256withECDSA").build(pair.getPrivate())));
    }
}
