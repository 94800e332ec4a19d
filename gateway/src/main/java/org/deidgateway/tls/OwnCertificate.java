package org.deidgateway.tls;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.interfaces.RSAKey;
import java.security.spec.ECGenParameterSpec;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Locale;

/**
 * The gateway's own TLS identity: a private key and its certificate chain, leaf first. Either
 * generated here, self-signed, for peers that trust it directly, or brought from the hospital CA
 * and checked before it goes into the keystore: the key must belong to a certificate in the file,
 * the chain must link by signature, the leaf must be valid now.
 */
public record OwnCertificate(PrivateKey key, X509Certificate[] chain) {

    public static final int RSA_BITS = 3072;
    public static final int MIN_RSA_BITS = 2048;
    public static final String EC_CURVE = "secp256r1";
    private static final String HOST_NAME = "(?=.{1,253}$)(\\*\\.)?[A-Za-z0-9]([A-Za-z0-9-]{0,62})(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,62}))*";

    /**
     * A fresh key pair (RSA-3072 or EC P-256) and a self-signed certificate for {@code commonName},
     * valid {@code days} from now, for server and client authentication. The names peers connect
     * to go in {@code alternativeNames} (host names or IP addresses); none given, the common
     * name is used, as peers that check host names look only there.
     */
    public static OwnCertificate selfSigned(String keyType, String commonName, List<String> alternativeNames, int days)
            throws TlsException {
        if (commonName == null || commonName.isBlank() || commonName.length() > 64) {
            throw new TlsException("--cn must be 1 to 64 characters (usually the gateway's host name)");
        }
        if (days < 1 || days > 3650) {
            throw new TlsException("--days must be 1 to 3650");
        }
        List<String> names = alternativeNames.isEmpty() ? List.of(commonName) : alternativeNames;
        for (String name : names) {
            if (generalName(name) == null) {
                throw new TlsException("'" + name + "' is neither a host name nor an IP address; give --san NAME_OR_IP");
            }
        }
        GeneralNames san = new GeneralNames(names.stream().map(OwnCertificate::generalName).toArray(GeneralName[]::new));
        try {
            KeyPair pair = keyPair(keyType);
            // most significant first, so that it reads CN=...,OU=deid-gateway as printed
            X500Name subject = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.OU, "deid-gateway")
                    .addRDN(BCStyle.CN, commonName).build();
            Instant now = Instant.now();
            JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(subject, new BigInteger(127, new SecureRandom()),
                    Date.from(now.minus(Duration.ofMinutes(5))), Date.from(now.plus(Duration.ofDays(days))), subject,
                    pair.getPublic());
            JcaX509ExtensionUtils utils = new JcaX509ExtensionUtils();
            // no key usage extension: OpenSSL (dcmtk) then accepts the self-signed certificate as its own trust anchor
            builder.addExtension(Extension.subjectAlternativeName, false, san)
                    .addExtension(Extension.extendedKeyUsage, false,
                            new ExtendedKeyUsage(new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}))
                    .addExtension(Extension.subjectKeyIdentifier, false, utils.createSubjectKeyIdentifier(pair.getPublic()));
            String algorithm = pair.getPrivate().getAlgorithm().equals("EC") ? "SHA256withECDSA" : "SHA256withRSA";
            X509Certificate certificate = new JcaX509CertificateConverter()
                    .getCertificate(builder.build(new JcaContentSignerBuilder(algorithm).build(pair.getPrivate())));
            return new OwnCertificate(pair.getPrivate(), new X509Certificate[] {certificate});
        } catch (GeneralSecurityException | OperatorCreationException | CertIOException e) {
            throw new TlsException("cannot generate a certificate (" + e.getMessage() + ")", e);
        }
    }

    /**
     * A key and certificates from PEM files, checked and ordered leaf first. Certificates that are
     * not part of the key's chain are left out; the count kept is the chain's length.
     */
    public static OwnCertificate imported(PrivateKey key, List<X509Certificate> certificates) throws TlsException {
        if (!key.getAlgorithm().equals("RSA") && !key.getAlgorithm().equals("EC")) {
            throw new TlsException("the private key is " + key.getAlgorithm() + "; DICOM peers expect RSA or EC keys");
        }
        if (key instanceof RSAKey rsa && rsa.getModulus().bitLength() < MIN_RSA_BITS) {
            throw new TlsException("the RSA key has " + rsa.getModulus().bitLength() + " bits; at least " + MIN_RSA_BITS
                    + " are required");
        }
        X509Certificate leaf = certificates.stream().filter(c -> belongsTo(key, c)).findFirst()
                .orElseThrow(() -> new TlsException("no certificate in the file belongs to this private key"));
        List<X509Certificate> chain = new ArrayList<>(List.of(leaf));
        X509Certificate current = leaf;
        while (!current.getIssuerX500Principal().equals(current.getSubjectX500Principal())) {
            X509Certificate child = current;
            X509Certificate issuer = certificates.stream()
                    .filter(c -> c.getSubjectX500Principal().equals(child.getIssuerX500Principal()) && !chain.contains(c))
                    .findFirst().orElse(null);
            if (issuer == null) {
                break; // the rest of the chain is the peers' business: they trust the CA
            }
            try {
                child.verify(issuer.getPublicKey());
            } catch (GeneralSecurityException e) {
                throw new TlsException("certificate " + CertificateSummary.of(child).oneLine() + " is not signed by "
                        + CertificateSummary.of(issuer).oneLine(), e);
            }
            chain.add(issuer);
            current = issuer;
        }
        try {
            leaf.checkValidity();
        } catch (GeneralSecurityException e) {
            throw new TlsException("certificate " + CertificateSummary.of(leaf).oneLine() + " is not valid now (valid "
                    + leaf.getNotBefore().toInstant() + " to " + leaf.getNotAfter().toInstant() + ")", e);
        }
        return new OwnCertificate(key, chain.toArray(X509Certificate[]::new));
    }

    private static boolean belongsTo(PrivateKey key, X509Certificate certificate) {
        if (!certificate.getPublicKey().getAlgorithm().equals(key.getAlgorithm())) {
            return false;
        }
        try {
            String algorithm = key.getAlgorithm().equals("EC") ? "SHA256withECDSA" : "SHA256withRSA";
            byte[] probe = new byte[32];
            new SecureRandom().nextBytes(probe);
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(probe);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(certificate.getPublicKey());
            verifier.update(probe);
            return verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    private static KeyPair keyPair(String keyType) throws GeneralSecurityException, TlsException {
        switch (keyType.toLowerCase(Locale.ROOT)) {
            case "rsa" -> {
                KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
                generator.initialize(RSA_BITS, new SecureRandom());
                return generator.generateKeyPair();
            }
            case "ec" -> {
                KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
                generator.initialize(new ECGenParameterSpec(EC_CURVE), new SecureRandom());
                return generator.generateKeyPair();
            }
            default -> throw new TlsException("--key-type '" + keyType + "' must be rsa or ec");
        }
    }

    /** An IP literal or a host name as a subject alternative name; null if it is neither. */
    private static GeneralName generalName(String name) {
        if (name.matches("\\d{1,3}(\\.\\d{1,3}){3}") || (name.contains(":") && name.matches("[0-9A-Fa-f:.]+"))) {
            try {
                return new GeneralName(GeneralName.iPAddress, name);
            } catch (IllegalArgumentException e) {
                return null;
            }
        }
        return name.matches(HOST_NAME) ? new GeneralName(GeneralName.dNSName, name) : null;
    }
}
