package org.deidgateway.vault;

import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x500.style.IETFUtils;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

import javax.crypto.spec.PBEParameterSpec;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigInteger;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.UnrecoverableKeyException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.HexFormat;

/**
 * A curator's own PKCS#12 keystore: an RSA-3072 key pair and a self-signed certificate naming the
 * curator and the installation it was made for. The curator keeps it (and its passphrase); the
 * installation keeps only the public key.
 */
public final class CuratorKeystore {

    static final String ALIAS = "curator";
    static final int KEY_BITS = 3072;
    public static final int MIN_PASSPHRASE_LENGTH = 10;
    public static final String NAME_PATTERN = "[\\p{L}\\p{N}][\\p{L}\\p{N} ._'-]{0,63}";
    private static final String PROTECTION_ALGORITHM = "PBEWithHmacSHA256AndAES_256";
    private static final int PROTECTION_ITERATIONS = 210_000;

    private final Path file;
    private final String curatorName;
    private final String installationId;
    private final byte[] publicKey;
    private final PrivateKey privateKey;

    private CuratorKeystore(Path file, String curatorName, String installationId, byte[] publicKey, PrivateKey privateKey) {
        this.file = file;
        this.curatorName = curatorName;
        this.installationId = installationId;
        this.publicKey = publicKey;
        this.privateKey = privateKey;
    }

    /** Makes a new key pair and writes the keystore to {@code file}, readable by its owner only; never overwrites. */
    public static CuratorKeystore create(Path file, char[] passphrase, String curatorName, String installationId)
            throws VaultException {
        if (!curatorName.matches(NAME_PATTERN)) {
            throw new VaultException("curator name '" + curatorName + "' must be 1 to 64 letters, digits, spaces or . _ ' -");
        }
        if (passphrase.length < MIN_PASSPHRASE_LENGTH) {
            throw new VaultException("a curator keystore passphrase must have at least " + MIN_PASSPHRASE_LENGTH + " characters");
        }
        if (Files.exists(file)) {
            throw new VaultException(file + ": already exists; refusing to overwrite a keystore");
        }
        Path parent = file.toAbsolutePath().getParent();
        if (parent == null || !Files.isDirectory(parent)) {
            throw new VaultException(file + ": its folder does not exist");
        }
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(KEY_BITS, new SecureRandom());
            KeyPair pair = generator.generateKeyPair();
            X509Certificate certificate = selfSigned(pair, curatorName, installationId);
            KeyStore store = KeyStore.getInstance("PKCS12");
            try {
                store.load(null, null);
            } catch (IOException e) {
                throw new IllegalStateException("an empty PKCS#12 keystore always loads", e);
            }
            byte[] salt = new byte[20];
            new SecureRandom().nextBytes(salt);
            store.setEntry(ALIAS, new KeyStore.PrivateKeyEntry(pair.getPrivate(), new X509Certificate[] {certificate}),
                    new KeyStore.PasswordProtection(passphrase, PROTECTION_ALGORITHM,
                            new PBEParameterSpec(salt, PROTECTION_ITERATIONS)));
            writeNew(file, store, passphrase);
            return new CuratorKeystore(file, curatorName, installationId, pair.getPublic().getEncoded(), pair.getPrivate());
        } catch (GeneralSecurityException | OperatorCreationException e) {
            throw new VaultException(file + ": cannot create a curator keystore (" + e.getClass().getSimpleName() + ")", e);
        }
    }

    public static CuratorKeystore open(Path file, char[] passphrase) throws VaultException, WrongPassphraseException {
        if (!Files.isRegularFile(file)) {
            throw new VaultException(file + ": curator keystore missing");
        }
        try (InputStream in = Files.newInputStream(file)) {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(in, passphrase);
            if (!(store.getEntry(ALIAS, new KeyStore.PasswordProtection(passphrase)) instanceof KeyStore.PrivateKeyEntry entry)
                    || !(entry.getCertificate() instanceof X509Certificate certificate)) {
                throw new VaultException(file + ": not a deid-gateway curator keystore (no '" + ALIAS + "' key entry)");
            }
            X500Name subject = X500Name.getInstance(certificate.getSubjectX500Principal().getEncoded());
            String name = first(subject, BCStyle.CN);
            String installation = first(subject, BCStyle.O);
            if (name == null || installation == null || !installation.startsWith("installation ")) {
                throw new VaultException(file + ": not a deid-gateway curator keystore (unexpected certificate subject)");
            }
            return new CuratorKeystore(file, name, installation.substring("installation ".length()),
                    certificate.getPublicKey().getEncoded(), entry.getPrivateKey());
        } catch (IOException e) {
            if (e.getCause() instanceof UnrecoverableKeyException || String.valueOf(e.getMessage()).contains("password")) {
                throw new WrongPassphraseException(file + ": wrong passphrase for this curator keystore");
            }
            throw new VaultException(file + ": not a readable PKCS#12 keystore (" + e.getClass().getSimpleName() + ")", e);
        } catch (UnrecoverableKeyException e) {
            throw new WrongPassphraseException(file + ": wrong passphrase for this curator keystore");
        } catch (GeneralSecurityException e) {
            throw new VaultException(file + ": not a readable PKCS#12 keystore (" + e.getClass().getSimpleName() + ")", e);
        }
    }

    /** SHA-256 of the public key (SubjectPublicKeyInfo), in hex: what the registry knows a curator by. */
    public static String fingerprint(byte[] publicKey) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(publicKey));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
    }

    public Path file() { return file; }
    public String curatorName() { return curatorName; }
    public String installationId() { return installationId; }
    public byte[] publicKey() { return publicKey.clone(); }
    public String fingerprint() { return fingerprint(publicKey); }
    PrivateKey privateKey() { return privateKey; }

    private static X509Certificate selfSigned(KeyPair pair, String name, String installationId)
            throws OperatorCreationException, GeneralSecurityException {
        X500Name subject = new X500NameBuilder(BCStyle.INSTANCE)
                .addRDN(BCStyle.CN, name)
                .addRDN(BCStyle.OU, "deid-gateway curator")
                .addRDN(BCStyle.O, "installation " + installationId)
                .build();
        Instant now = Instant.now();
        JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(subject,
                new BigInteger(127, new SecureRandom()), Date.from(now.minus(Duration.ofMinutes(5))),
                Date.from(now.plus(Duration.ofDays(365L * 30))), subject, pair.getPublic());
        return new JcaX509CertificateConverter().getCertificate(
                builder.build(new JcaContentSignerBuilder("SHA256withRSA").build(pair.getPrivate())));
    }

    private static String first(X500Name name, org.bouncycastle.asn1.ASN1ObjectIdentifier type) {
        RDN[] rdns = name.getRDNs(type);
        return rdns.length == 0 ? null : IETFUtils.valueToString(rdns[0].getFirst().getValue());
    }

    private static void writeNew(Path file, KeyStore store, char[] passphrase) throws VaultException {
        Path temp = file.resolveSibling(file.getFileName() + ".tmp");
        try {
            Files.deleteIfExists(temp);
            try (OutputStream out = Files.newOutputStream(Files.createFile(temp,
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))))) {
                org.deidgateway.keystore.GatewayKeystore.useStrongFileMac();
                store.store(out, passphrase);
            }
            // without REPLACE_EXISTING: fails instead of replacing a keystore that appeared meanwhile
            Files.move(temp, file);
        } catch (FileAlreadyExistsException e) {
            throw new VaultException(file + ": already exists; refusing to overwrite a keystore");
        } catch (IOException | GeneralSecurityException e) {
            throw new VaultException(file + ": cannot be written (" + e.getClass().getSimpleName() + ": " + e.getMessage() + ")", e);
        } finally {
            try {
                Files.deleteIfExists(temp);
            } catch (IOException ignored) {
                // the temporary copy is encrypted like the keystore itself
            }
        }
    }
}
