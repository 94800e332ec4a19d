package org.deidgateway.tls;

import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JceOpenSSLPKCS8DecryptorProviderBuilder;
import org.bouncycastle.openssl.jcajce.JcePEMDecryptorProviderBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.pkcs.PKCSException;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;

import java.io.IOException;
import java.io.Reader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;

/**
 * PEM files as hospital CAs and OpenSSL write them: certificates (one or a chain), and private
 * keys in PKCS#8, PKCS#1 (RSA) or SEC1 (EC) form, encrypted (PKCS#8 or OpenSSL's legacy
 * encryption) or not. Only PEM: a DER or PKCS#12 file is refused with a hint at openssl.
 */
public final class PemFiles {

    /**
     * BouncyCastle's decryptors name ciphers as only its own provider does; it is handed to them
     * directly rather than installed for the whole JVM, where it would change what JSSE picks.
     */
    private static final class Provider {
        static final BouncyCastleProvider INSTANCE = new BouncyCastleProvider();
    }

    /** Where the passphrase of an encrypted key comes from; asked only if the key is encrypted. */
    public interface Passphrase {
        char[] get() throws TlsException;
    }

    private PemFiles() {
    }

    /** Every certificate in the file, in file order; at least one. */
    public static List<X509Certificate> readCertificates(Path file) throws TlsException {
        List<X509Certificate> certificates = new ArrayList<>();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.US_ASCII);
             PEMParser parser = new PEMParser(reader)) {
            JcaX509CertificateConverter converter = new JcaX509CertificateConverter();
            for (Object item = parser.readObject(); item != null; item = parser.readObject()) {
                if (item instanceof X509CertificateHolder holder) {
                    certificates.add(converter.getCertificate(holder));
                }
            }
        } catch (IOException | CertificateException e) {
            throw unreadable(file, "certificate", e);
        }
        if (certificates.isEmpty()) {
            throw new TlsException(file + ": no PEM certificate (-----BEGIN CERTIFICATE-----) in it; convert a DER file with "
                    + "openssl x509 -inform der -in FILE -out FILE.pem");
        }
        return certificates;
    }

    /** The one private key in the file. */
    public static PrivateKey readPrivateKey(Path file, Passphrase passphrase) throws TlsException {
        List<PrivateKey> keys = new ArrayList<>();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.US_ASCII);
             PEMParser parser = new PEMParser(reader)) {
            JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
            for (Object item = parser.readObject(); item != null; item = parser.readObject()) {
                if (item instanceof PrivateKeyInfo info) {
                    keys.add(converter.getPrivateKey(info));
                } else if (item instanceof PEMKeyPair pair) {
                    keys.add(converter.getKeyPair(pair).getPrivate());
                } else if (item instanceof PKCS8EncryptedPrivateKeyInfo encrypted) {
                    keys.add(converter.getPrivateKey(encrypted.decryptPrivateKeyInfo(
                            new JceOpenSSLPKCS8DecryptorProviderBuilder().setProvider(Provider.INSTANCE).build(passphrase.get()))));
                } else if (item instanceof PEMEncryptedKeyPair encrypted) {
                    PEMKeyPair decrypted;
                    try {
                        decrypted = encrypted.decryptKeyPair(new JcePEMDecryptorProviderBuilder().setProvider(Provider.INSTANCE)
                                .build(passphrase.get()));
                    } catch (IOException e) {
                        throw cannotDecrypt(file, e);
                    }
                    keys.add(converter.getKeyPair(decrypted).getPrivate());
                }
            }
        } catch (PKCSException e) {
            throw cannotDecrypt(file, e);
        } catch (IOException | OperatorCreationException e) {
            throw unreadable(file, "private key", e);
        }
        if (keys.size() != 1) {
            throw new TlsException(file + ": " + (keys.isEmpty() ? "no PEM private key (-----BEGIN ... PRIVATE KEY-----) in it"
                    : keys.size() + " private keys in it; give a file with exactly one"));
        }
        return keys.get(0);
    }

    public static String toPem(List<X509Certificate> certificates) {
        StringWriter text = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(text)) {
            for (X509Certificate certificate : certificates) {
                writer.writeObject(certificate);
            }
        } catch (IOException e) {
            throw new IllegalStateException("writing PEM into memory", e);
        }
        return text.toString();
    }

    private static TlsException cannotDecrypt(Path file, Exception e) {
        return new TlsException(file + ": cannot decrypt the private key (wrong passphrase?): " + e.getMessage(), e);
    }

    private static TlsException unreadable(Path file, String what, Exception e) {
        String why = e instanceof java.nio.file.NoSuchFileException ? "no such file"
                : e instanceof java.nio.file.AccessDeniedException ? "permission denied"
                : e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
        return new TlsException(file + ": cannot read a PEM " + what + " (" + why + ")", e);
    }
}
