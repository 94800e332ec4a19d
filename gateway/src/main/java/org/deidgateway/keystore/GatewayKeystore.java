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
import java.security.UnrecoverableKeyException;
import java.util.Arrays;

/**
 * The installation's PKCS#12 keystore. Each project has one entry, alias
 * {@code project.NAME.master}: a 256-bit secret from SecureRandom, protected with
 * PBEWithHmacSHA256AndAES_256. Every other project key is derived from it.
 */
public final class GatewayKeystore {

    public static final String TYPE = "PKCS12";
    public static final String PROTECTION_ALGORITHM = "PBEWithHmacSHA256AndAES_256";
    public static final int PROTECTION_ITERATIONS = 210_000;
    public static final int MIN_PASSPHRASE_LENGTH = 10;
    private static final String SECRET_ALGORITHM = "HmacSHA512/256";

    private final Path file;
    private final KeyStore store;
    private final char[] passphrase;

    private GatewayKeystore(Path file, KeyStore store, char[] passphrase) {
        this.file = file;
        this.store = store;
        this.passphrase = passphrase.clone();
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
                throw new KeystoreException(file + ": wrong passphrase");
            }
            throw new KeystoreException(file + ": not a readable PKCS#12 keystore (" + e.getClass().getSimpleName() + ")", e);
        } catch (GeneralSecurityException e) {
            throw new KeystoreException(file + ": not a readable PKCS#12 keystore (" + e.getClass().getSimpleName() + ")", e);
        }
    }

    /** Adds a fresh 256-bit master secret for a project (in memory; call {@link #save} to keep it). */
    public void addProjectSecret(String project) throws KeystoreException {
        String alias = masterAlias(project);
        try {
            if (store.containsAlias(alias)) {
                throw new KeystoreException(file + ": project '" + project + "' already has a master secret");
            }
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
        String alias = masterAlias(project);
        try {
            KeyStore.Entry entry = store.getEntry(alias, protection());
            if (!(entry instanceof KeyStore.SecretKeyEntry secretEntry)) {
                throw new KeystoreException(file + ": no master secret for project '" + project + "' (alias " + alias + ")");
            }
            byte[] encoded = secretEntry.getSecretKey().getEncoded();
            if (encoded == null || encoded.length != 32) {
                throw new KeystoreException(file + ": the master secret of project '" + project + "' is not 256 bits");
            }
            return encoded;
        } catch (UnrecoverableKeyException e) {
            throw new KeystoreException(file + ": wrong passphrase for the entry " + alias);
        } catch (GeneralSecurityException e) {
            throw new KeystoreException(file + ": cannot read " + alias + " (" + e.getClass().getSimpleName() + ")", e);
        }
    }

    /** Writes the keystore atomically, readable by its owner only. */
    public void save(boolean replace) throws KeystoreException {
        Path temp = file.resolveSibling(file.getFileName() + ".tmp");
        try {
            Files.deleteIfExists(temp);
            try (OutputStream out = Files.newOutputStream(Files.createFile(temp, PosixFilePermissions.asFileAttribute(
                    PosixFilePermissions.fromString("rw-------"))), StandardOpenOption.WRITE)) {
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
