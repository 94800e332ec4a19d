package org.deidgateway.tls;

import org.deidgateway.keystore.GatewayKeystore;
import org.deidgateway.keystore.KeystoreException;

import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509ExtendedTrustManager;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The gateway keystore's TLS material, as JSSE contexts. Peers are verified against the
 * certificates the keystore trusts and nothing else: not the JDK's bundled public CAs, which would
 * let any host with a public certificate pass as a hospital peer. The gateway's own key, when it
 * has one, is presented on both sides (as server certificate, and as client certificate when a
 * peer asks). Build once at start: a keystore changed later is seen at the next start.
 */
public final class TlsMaterial {

    private final PrivateKey key;
    private final X509Certificate[] chain;
    private final Map<String, X509Certificate> trusted;

    private TlsMaterial(PrivateKey key, X509Certificate[] chain, Map<String, X509Certificate> trusted) {
        this.key = key;
        this.chain = chain;
        this.trusted = Collections.unmodifiableMap(new LinkedHashMap<>(trusted));
    }

    /** Reads the TLS key and the trusted certificates from an open gateway keystore. */
    public static TlsMaterial from(GatewayKeystore keystore) throws KeystoreException {
        Optional<KeyStore.PrivateKeyEntry> own = keystore.tlsKey();
        if (own.isEmpty()) {
            return new TlsMaterial(null, null, keystore.trustedCertificates());
        }
        Certificate[] certificates = own.get().getCertificateChain();
        X509Certificate[] chain = Arrays.stream(certificates).map(X509Certificate.class::cast).toArray(X509Certificate[]::new);
        return new TlsMaterial(own.get().getPrivateKey(), chain, keystore.trustedCertificates());
    }

    /** Material from elsewhere (tests, or a channel with its own files); {@code key} and {@code chain} may be null. */
    public static TlsMaterial of(PrivateKey key, X509Certificate[] chain, Map<String, X509Certificate> trusted) {
        if ((key == null) != (chain == null || chain.length == 0)) {
            throw new IllegalArgumentException("a TLS key needs its certificate chain, and a chain its key");
        }
        return new TlsMaterial(key, chain == null ? null : chain.clone(), trusted);
    }

    /** The gateway's own certificate chain, leaf first. */
    public Optional<X509Certificate[]> ownChain() {
        return Optional.ofNullable(chain).map(X509Certificate[]::clone);
    }

    public Map<String, X509Certificate> trusted() {
        return trusted;
    }

    /**
     * For connecting out (DICOM C-STORE, HTTPS): verifies the server against the trusted
     * certificates and presents the gateway's certificate if the server asks for one. Callers set
     * endpoint identification themselves ({@link TlsSockets#connect} does; an HTTPS client does
     * by default).
     */
    public SSLContext clientContext() throws TlsException {
        if (trusted.isEmpty()) {
            throw new TlsException("the gateway keystore trusts no certificate, so no TLS peer can be verified; add the "
                    + "peer's certificate or its CA's with: deid tls trust --home DIR --name NAME --cert FILE.pem");
        }
        return context();
    }

    /** For the listener: presents the gateway's certificate; requires one. */
    public ListenerTls listener(boolean requireClientCertificate) throws TlsException {
        if (key == null) {
            throw new TlsException("the gateway keystore holds no TLS certificate; create one with deid tls generate "
                    + "or import the hospital CA's with deid tls import");
        }
        if (requireClientCertificate && trusted.isEmpty()) {
            throw new TlsException("client certificates are required, but the gateway keystore trusts no certificate; "
                    + "add one with deid tls trust");
        }
        return new ListenerTls(context(), requireClientCertificate);
    }

    private SSLContext context() throws TlsException {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keyManagers(), new TrustManager[] {trustManager()}, new SecureRandom());
            return context;
        } catch (GeneralSecurityException | IOException e) {
            throw new TlsException("cannot build a TLS context from the keystore's TLS entries (" + e.getMessage() + ")", e);
        }
    }

    private KeyManager[] keyManagers() throws GeneralSecurityException, IOException {
        if (key == null) {
            return new KeyManager[] {new ClientCertificateRequests.Recording(null)};
        }
        // an in-memory store holding the TLS key alone: the key manager never sees the project secrets
        char[] password = "in-memory".toCharArray();
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        store.setKeyEntry("tls", key, password, chain);
        KeyManagerFactory factory = KeyManagerFactory.getInstance("PKIX");
        factory.init(store, password);
        for (KeyManager manager : factory.getKeyManagers()) {
            if (manager instanceof X509ExtendedKeyManager keys) {
                return new KeyManager[] {new ClientCertificateRequests.Recording(keys)};
            }
        }
        throw new GeneralSecurityException("the Java runtime has no X.509 key manager");
    }

    private X509ExtendedTrustManager trustManager() throws GeneralSecurityException, IOException {
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        for (Map.Entry<String, X509Certificate> entry : trusted.entrySet()) {
            store.setCertificateEntry(entry.getKey(), entry.getValue());
        }
        TrustManagerFactory factory = TrustManagerFactory.getInstance("PKIX");
        factory.init(store);
        for (TrustManager manager : factory.getTrustManagers()) {
            if (manager instanceof X509ExtendedTrustManager pkix) {
                return new CheckingTrustManager(pkix, !trusted.isEmpty());
            }
        }
        throw new GeneralSecurityException("the Java runtime has no X.509 trust manager");
    }
}
