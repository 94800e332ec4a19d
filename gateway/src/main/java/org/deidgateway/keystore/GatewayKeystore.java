package org.deidgateway.keystore;

import javax.crypto.SecretKey;
import javax.crypto.spec.PBEParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.PrivateKey;
import java.security.UnrecoverableKeyException;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.Collections;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The installation's PKCS#12 keystore. Each project has one entry, alias
 * {@code project.NAME.master}: a 256-bit secret from SecureRandom, protected with
 * PBEWithHmacSHA256AndAES_256. Every other project key is derived from it. The installation's
 * audit key ({@code installation.audit}) seals the audit trail's checkpoint. For TLS it may hold
 * the gateway's own private key with its certificate chain ({@code tls.key}) and the certificates
 * it trusts in peers ({@code tls.trusted.NAME}, public, so not protected beyond the file itself).
 */
public final class GatewayKeystore {

    public static final String TYPE = "PKCS12";
    public static final String PROTECTION_ALGORITHM = "PBEWithHmacSHA256AndAES_256";
    public static final int PROTECTION_ITERATIONS = 210_000;
    public static final int MIN_PASSPHRASE_LENGTH = 10;
    private static final String SECRET_ALGORITHM = "HmacSHA512/256";

    private final Path file;
    private final KeyStore store;
    public static final String AUDIT_ALIAS = "installation.audit";
    public static final String TLS_KEY_ALIAS = "tls.key";
    public static final String TRUSTED_ALIAS_PREFIX = "tls.trusted.";
    /** Names of trusted certificates: the alias is stored in lower case by PKCS#12 anyway. */
    public static final String TRUSTED_NAME_PATTERN = "[a-z0-9][a-z0-9-]{0,31}";

    private char[] passphrase;

    private GatewayKeystore(Path file, KeyStore store, char[] passphrase) {
        this.file = file;
        this.store = store;
        this.passphrase = passphrase.clone();
    }

    /**
     * The JDK protects a PKCS#12 file's integrity with a MAC of only 10,000 iterations by default,
     * and a passphrase guess can be tested against that MAC: make it as costly as the entries'.
     * Set before every store; a system property is how the JDK lets a program choose it.
     */
    public static void useStrongFileMac() {
        System.setProperty("keystore.pkcs12.macIterationCount", Integer.toString(PROTECTION_ITERATIONS));
    }

    public static String masterAlias(String project) {
        return "project." + project + ".master";
    }

    /** Creates a new keystore holding one fresh master secret for {@code project}; refuses to overwrite. */
    public static GatewayKeystore create(Path file, char[] passphrase, String project) throws KeystoreException {
        if (passphrase.length < MIN_PASSPHRASE_LENGTH) {
            throw new KeystoreException("the keystore passphrase must have at least " + MIN_PASSPHRASE_LENGTH + " characters");
        }
        try {
            KeyStore store = KeyStore.getInstance(TYPE);
            store.load(null, null);
            GatewayKeystore keystore = new GatewayKeystore(file, store, passphrase);
            keystore.addProjectSecret(project);
            keystore.addSecret(AUDIT_ALIAS);
            keystore.save(false);
            return keystore;
        } catch (GeneralSecurityException | IOException e) {
            throw new KeystoreException(file + ": cannot be created (" + e.getClass().getSimpleName() + ")", e);
        }
    }

    public static GatewayKeystore open(Path file, char[] passphrase) throws KeystoreException {
        if (!Files.isRegularFile(file)) {
            throw new KeystoreException(file + ": keystore missing");
        }
        try (InputStream in = Files.newInputStream(file)) {
            KeyStore store = KeyStore.getInstance(TYPE);
            store.load(in, passphrase);
            return new GatewayKeystore(file, store, passphrase);
        } catch (IOException e) {
            if (e.getCause() instanceof UnrecoverableKeyException || String.valueOf(e.getMessage()).contains("password")) {
                throw KeystoreException.wrongPassphrase(file + ": wrong passphrase");
            }
            throw new KeystoreException(file + ": not a readable PKCS#12 keystore (" + e.getClass().getSimpleName() + ")", e);
        } catch (GeneralSecurityException e) {
            throw new KeystoreException(file + ": not a readable PKCS#12 keystore (" + e.getClass().getSimpleName() + ")", e);
        }
    }

    /** Adds a fresh 256-bit master secret for a project (in memory; call {@link #save} to keep it). */
    public void addProjectSecret(String project) throws KeystoreException {
        try {
            if (store.containsAlias(masterAlias(project))) {
                throw new KeystoreException(file + ": project '" + project + "' already has a master secret");
            }
        } catch (GeneralSecurityException e) {
            throw new KeystoreException(file + ": cannot add a secret (" + e.getClass().getSimpleName() + ")", e);
        }
        addSecret(masterAlias(project));
    }

    /**
     * The key that seals the audit trail's checkpoint. Homes made before it existed get one here,
     * saved at once.
     */
    public byte[] auditKey() throws KeystoreException {
        try {
            if (!store.containsAlias(AUDIT_ALIAS)) {
                addSecret(AUDIT_ALIAS);
                save(true);
            }
        } catch (GeneralSecurityException e) {
            throw new KeystoreException(file + ": cannot read " + AUDIT_ALIAS + " (" + e.getClass().getSimpleName() + ")", e);
        }
        return secret(AUDIT_ALIAS, "the audit key");
    }

    /** Re-protects every entry and the file with a new passphrase, and saves atomically. */
    public void changePassphrase(char[] newPassphrase) throws KeystoreException {
        if (newPassphrase.length < MIN_PASSPHRASE_LENGTH) {
            throw new KeystoreException("the keystore passphrase must have at least " + MIN_PASSPHRASE_LENGTH + " characters");
        }
        try {
            java.util.Map<String, KeyStore.Entry> entries = new java.util.LinkedHashMap<>();
            for (String alias : java.util.Collections.list(store.aliases())) {
                // trusted certificates carry no entry protection; the file's new MAC covers them
                if (!store.isCertificateEntry(alias)) {
                    entries.put(alias, store.getEntry(alias, protection()));
                }
            }
            char[] old = passphrase;
            passphrase = newPassphrase.clone();
            for (var entry : entries.entrySet()) {
                store.setEntry(entry.getKey(), entry.getValue(), protection());
            }
            Arrays.fill(old, '\0');
        } catch (GeneralSecurityException e) {
            throw new KeystoreException(file + ": cannot re-protect its entries (" + e.getClass().getSimpleName() + ")", e);
        }
        save(true);
    }

    private void addSecret(String alias) throws KeystoreException {
        try {
            byte[] secret = new byte[32];
            SecureRandom.getInstanceStrong().nextBytes(secret);
            SecretKey key = new SecretKeySpec(secret, SECRET_ALGORITHM);
            Arrays.fill(secret, (byte) 0);
            store.setEntry(alias, new KeyStore.SecretKeyEntry(key), protection());
        } catch (GeneralSecurityException e) {
            throw new KeystoreException(file + ": cannot add a secret (" + e.getClass().getSimpleName() + ")", e);
        }
    }

    public byte[] projectMasterSecret(String project) throws KeystoreException {
        return secret(masterAlias(project), "the master secret of project '" + project + "'");
    }

    private byte[] secret(String alias, String what) throws KeystoreException {
        try {
            KeyStore.Entry entry = store.getEntry(alias, protection());
            if (!(entry instanceof KeyStore.SecretKeyEntry secretEntry)) {
                throw new KeystoreException(file + ": " + what + " is missing (alias " + alias + ")");
            }
            byte[] encoded = secretEntry.getSecretKey().getEncoded();
            if (encoded == null || encoded.length != 32) {
                throw new KeystoreException(file + ": " + what + " is not 256 bits");
            }
            return encoded;
        } catch (UnrecoverableKeyException e) {
            throw KeystoreException.wrongPassphrase(file + ": wrong passphrase for the entry " + alias);
        } catch (GeneralSecurityException e) {
            throw new KeystoreException(file + ": cannot read " + alias + " (" + e.getClass().getSimpleName() + ")", e);
        }
    }

    /** The gateway's own TLS key with its certificate chain, leaf first; empty if it has none. */
    public Optional<KeyStore.PrivateKeyEntry> tlsKey() throws KeystoreException {
        try {
            if (!store.isKeyEntry(TLS_KEY_ALIAS)) {
                return Optional.empty();
            }
            if (store.getEntry(TLS_KEY_ALIAS, protection()) instanceof KeyStore.PrivateKeyEntry entry) {
                return Optional.of(entry);
            }
            throw new KeystoreException(file + ": " + TLS_KEY_ALIAS + " is not a private key with a certificate");
        } catch (UnrecoverableKeyException e) {
            throw KeystoreException.wrongPassphrase(file + ": wrong passphrase for the entry " + TLS_KEY_ALIAS);
        } catch (GeneralSecurityException e) {
            throw new KeystoreException(file + ": cannot read " + TLS_KEY_ALIAS + " (" + e.getClass().getSimpleName() + ")", e);
        }
    }

    /** The certificate chain of the gateway's TLS key, leaf first, without decrypting the key; empty if it has none. */
    public Optional<X509Certificate[]> tlsCertificateChain() throws KeystoreException {
        try {
            Certificate[] chain = store.getCertificateChain(TLS_KEY_ALIAS);
            if (chain == null) {
                return Optional.empty();
            }
            return Optional.of(Arrays.stream(chain).map(X509Certificate.class::cast).toArray(X509Certificate[]::new));
        } catch (GeneralSecurityException | ClassCastException e) {
            throw new KeystoreException(file + ": cannot read the chain of " + TLS_KEY_ALIAS + " (" + e.getClass().getSimpleName()
                    + ")", e);
        }
    }

    /** Sets (or replaces) the gateway's TLS key and chain, in memory; {@link #save} keeps it. */
    public void setTlsKey(PrivateKey key, X509Certificate[] chain) throws KeystoreException {
        try {
            store.setEntry(TLS_KEY_ALIAS, new KeyStore.PrivateKeyEntry(key, chain), protection());
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new KeystoreException(file + ": cannot store the TLS key (" + e.getMessage() + ")", e);
        }
    }

    /** The certificates trusted in TLS peers, by name. */
    public Map<String, X509Certificate> trustedCertificates() throws KeystoreException {
        Map<String, X509Certificate> trusted = new TreeMap<>();
        try {
            for (String alias : Collections.list(store.aliases())) {
                if (alias.startsWith(TRUSTED_ALIAS_PREFIX) && store.isCertificateEntry(alias)
                        && store.getCertificate(alias) instanceof X509Certificate certificate) {
                    trusted.put(alias.substring(TRUSTED_ALIAS_PREFIX.length()), certificate);
                }
            }
        } catch (GeneralSecurityException e) {
            throw new KeystoreException(file + ": cannot list trusted certificates (" + e.getClass().getSimpleName() + ")", e);
        }
        return trusted;
    }

    /** Trusts a certificate under a new name, in memory; refuses a name in use. */
    public void trust(String name, X509Certificate certificate) throws KeystoreException {
        if (name == null || !name.matches(TRUSTED_NAME_PATTERN)) {
            throw new KeystoreException("trusted certificate name '" + name + "' must match " + TRUSTED_NAME_PATTERN);
        }
        try {
            if (store.containsAlias(TRUSTED_ALIAS_PREFIX + name)) {
                throw new KeystoreException(file + ": a certificate named '" + name + "' is trusted already; "
                        + "remove it first with deid tls untrust");
            }
            store.setCertificateEntry(TRUSTED_ALIAS_PREFIX + name, certificate);
        } catch (GeneralSecurityException e) {
            throw new KeystoreException(file + ": cannot add a trusted certificate (" + e.getClass().getSimpleName() + ")", e);
        }
    }

    /** Stops trusting the named certificate, in memory; returns the certificate, or empty if none had that name. */
    public Optional<Certificate> untrust(String name) throws KeystoreException {
        String alias = TRUSTED_ALIAS_PREFIX + name;
        try {
            if (!store.isCertificateEntry(alias)) {
                return Optional.empty();
            }
            Certificate removed = store.getCertificate(alias);
            store.deleteEntry(alias);
            return Optional.of(removed);
        } catch (GeneralSecurityException e) {
            throw new KeystoreException(file + ": cannot remove a trusted certificate (" + e.getClass().getSimpleName() + ")", e);
        }
    }

    /** Writes the keystore atomically, readable by its owner only. */
    public void save(boolean replace) throws KeystoreException {
        Path temp = file.resolveSibling(file.getFileName() + ".tmp");
        try {
            Files.deleteIfExists(temp);
            try (OutputStream out = Files.newOutputStream(Files.createFile(temp, PosixFilePermissions.asFileAttribute(
                    PosixFilePermissions.fromString("rw-------"))), StandardOpenOption.WRITE)) {
                useStrongFileMac();
                store.store(out, passphrase);
            }
            if (!replace && Files.exists(file)) {
                throw new FileAlreadyExistsException(file.toString());
            }
            Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (FileAlreadyExistsException e) {
            throw new KeystoreException(file + ": already exists; refusing to overwrite a keystore");
        } catch (IOException | GeneralSecurityException e) {
            throw new KeystoreException(file + ": cannot be written (" + e.getClass().getSimpleName() + ")", e);
        } finally {
            try {
                Files.deleteIfExists(temp);
            } catch (IOException ignored) {
                // the temporary file holds the same encrypted content; nothing leaks if it stays
            }
        }
    }

    private KeyStore.ProtectionParameter protection() {
        byte[] salt = new byte[20];
        new SecureRandom().nextBytes(salt);
        return new KeyStore.PasswordProtection(passphrase, PROTECTION_ALGORITHM,
                new PBEParameterSpec(salt, PROTECTION_ITERATIONS));
    }
}
