package org.deidgateway.vault;

import org.bouncycastle.crypto.CryptoException;
import org.bouncycastle.crypto.InvalidCipherTextException;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.encodings.OAEPEncoding;
import org.bouncycastle.crypto.engines.AESEngine;
import org.bouncycastle.crypto.engines.RSABlindedEngine;
import org.bouncycastle.crypto.modes.GCMBlockCipher;
import org.bouncycastle.crypto.modes.GCMModeCipher;
import org.bouncycastle.crypto.params.AEADParameters;
import org.bouncycastle.crypto.params.AsymmetricKeyParameter;
import org.bouncycastle.crypto.params.KeyParameter;
import org.bouncycastle.crypto.params.ParametersWithRandom;
import org.bouncycastle.crypto.util.PrivateKeyFactory;
import org.bouncycastle.crypto.util.PublicKeyFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.PrivateKey;
import java.security.SecureRandom;

/**
 * The vault's cryptography, with BouncyCastle's lightweight API: AES-256-GCM (96-bit nonce,
 * 128-bit tag) for the record, RSA-OAEP with SHA-256 to wrap its 256-bit data key to each curator.
 * The associated data binds a record to its installation, project and pseudonym, and its hash is
 * the OAEP label, so neither a record nor a wrapped key can be moved to another pseudonym unnoticed.
 */
final class SealedBox {

    static final int DATA_KEY_BYTES = 32;
    static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;

    private final SecureRandom random;

    SealedBox(SecureRandom random) {
        this.random = random;
    }

    static byte[] associatedData(String installationId, String project, String pseudonym) {
        return String.join("\n", "deid-gateway/identity-part/v1", installationId, project, pseudonym)
                .getBytes(StandardCharsets.UTF_8);
    }

    byte[] newDataKey() {
        byte[] key = new byte[DATA_KEY_BYTES];
        random.nextBytes(key);
        return key;
    }

    byte[] newNonce() {
        byte[] nonce = new byte[NONCE_BYTES];
        random.nextBytes(nonce);
        return nonce;
    }

    static byte[] encrypt(byte[] dataKey, byte[] nonce, byte[] associatedData, byte[] plaintext) {
        GCMModeCipher gcm = gcm(true, dataKey, nonce, associatedData);
        byte[] out = new byte[gcm.getOutputSize(plaintext.length)];
        int n = gcm.processBytes(plaintext, 0, plaintext.length, out, 0);
        try {
            gcm.doFinal(out, n);
        } catch (InvalidCipherTextException e) {
            throw new IllegalStateException("GCM encryption cannot fail on a sized buffer", e);
        }
        return out;
    }

    /** Decrypts and authenticates; throws if the ciphertext, nonce, key or associated data differ from sealing. */
    static byte[] decrypt(byte[] dataKey, byte[] nonce, byte[] associatedData, byte[] ciphertext)
            throws InvalidCipherTextException {
        GCMModeCipher gcm = gcm(false, dataKey, nonce, associatedData);
        byte[] out = new byte[gcm.getOutputSize(ciphertext.length)];
        int n = gcm.processBytes(ciphertext, 0, ciphertext.length, out, 0);
        gcm.doFinal(out, n);
        return out;
    }

    byte[] wrap(byte[] dataKey, byte[] curatorPublicKey, byte[] associatedData) {
        try {
            AsymmetricKeyParameter publicKey = PublicKeyFactory.createKey(curatorPublicKey);
            OAEPEncoding oaep = oaep(associatedData);
            oaep.init(true, new ParametersWithRandom(publicKey, random));
            return oaep.processBlock(dataKey, 0, dataKey.length);
        } catch (IOException | CryptoException e) {
            throw new IllegalStateException("a registered curator key is not a usable RSA public key", e);
        }
    }

    /** Unwraps a data key; throws if the wrapped key was altered or belongs to another key or record. */
    static byte[] unwrap(byte[] wrapped, PrivateKey curatorKey, byte[] associatedData) throws InvalidCipherTextException {
        try {
            OAEPEncoding oaep = oaep(associatedData);
            oaep.init(false, PrivateKeyFactory.createKey(curatorKey.getEncoded()));
            byte[] key = oaep.processBlock(wrapped, 0, wrapped.length);
            if (key.length != DATA_KEY_BYTES) {
                throw new InvalidCipherTextException("wrapped data key has the wrong length");
            }
            return key;
        } catch (IOException e) {
            throw new IllegalStateException("the curator keystore holds no usable RSA private key", e);
        } catch (org.bouncycastle.crypto.DataLengthException e) {
            throw new InvalidCipherTextException("wrapped data key has the wrong length");
        }
    }

    /** The associated data is OAEP's label: OAEP hashes it into the padding and checks it on unwrapping. */
    private static OAEPEncoding oaep(byte[] associatedData) {
        return new OAEPEncoding(new RSABlindedEngine(), new SHA256Digest(), new SHA256Digest(), associatedData);
    }

    private static GCMModeCipher gcm(boolean encrypt, byte[] key, byte[] nonce, byte[] associatedData) {
        GCMModeCipher gcm = GCMBlockCipher.newInstance(AESEngine.newInstance());
        gcm.init(encrypt, new AEADParameters(new KeyParameter(key), TAG_BITS, nonce, associatedData));
        return gcm;
    }
}
