package org.deidgateway.tls;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.X509ExtendedKeyManager;
import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;

/**
 * Remembers, for the handshake running on this thread, whether the server asked for a client
 * certificate and whether the gateway had one to give. A server that refuses the certificate
 * usually sends an alert and closes at once, and Java, still writing its last handshake messages,
 * reports only the broken connection; knowing that a certificate was asked for turns that into a
 * message an operator can act on. The client handshake runs on the caller's thread
 * ({@link TlsSockets#connect}), so a thread-local is exact.
 */
final class ClientCertificateRequests {

    enum Request { NONE, ANSWERED, NOTHING_TO_GIVE }

    private static final ThreadLocal<Request> LAST = ThreadLocal.withInitial(() -> Request.NONE);

    private ClientCertificateRequests() {
    }

    static void reset() {
        LAST.set(Request.NONE);
    }

    static Request last() {
        return LAST.get();
    }

    /** The peer broke the connection after asking for the gateway's certificate. */
    static final class Refused extends SSLHandshakeException {
        final boolean presented;

        Refused(boolean presented, Exception cause) {
            super("the peer closed the connection after asking for the gateway's certificate (" + cause.getMessage() + ")");
            this.presented = presented;
            initCause(cause);
        }
    }

    /** A key manager that records client certificate requests, around the real one (null: the gateway has no key). */
    static final class Recording extends X509ExtendedKeyManager {
        private final X509ExtendedKeyManager keys;

        Recording(X509ExtendedKeyManager keys) {
            this.keys = keys;
        }

        @Override
        public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
            return record(keys == null ? null : keys.chooseClientAlias(keyType, issuers, socket));
        }

        @Override
        public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
            return record(keys == null ? null : keys.chooseEngineClientAlias(keyType, issuers, engine));
        }

        private static String record(String alias) {
            LAST.set(alias == null ? Request.NOTHING_TO_GIVE : Request.ANSWERED);
            return alias;
        }

        @Override
        public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
            return keys == null ? null : keys.chooseServerAlias(keyType, issuers, socket);
        }

        @Override
        public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
            return keys == null ? null : keys.chooseEngineServerAlias(keyType, issuers, engine);
        }

        @Override
        public String[] getClientAliases(String keyType, Principal[] issuers) {
            return keys == null ? null : keys.getClientAliases(keyType, issuers);
        }

        @Override
        public String[] getServerAliases(String keyType, Principal[] issuers) {
            return keys == null ? null : keys.getServerAliases(keyType, issuers);
        }

        @Override
        public X509Certificate[] getCertificateChain(String alias) {
            return keys == null ? null : keys.getCertificateChain(alias);
        }

        @Override
        public PrivateKey getPrivateKey(String alias) {
            return keys == null ? null : keys.getPrivateKey(alias);
        }
    }
}
