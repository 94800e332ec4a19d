package org.deidgateway.tls;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import java.util.List;
import java.util.Set;

/**
 * What every TLS connection of the gateway allows, whichever side it is on: TLS 1.3 and 1.2 only,
 * and for TLS 1.2 only ECDHE/DHE key exchange with AEAD ciphers (RFC 9325, the BCP 195 update;
 * what dcmtk's default "non-downgrading BCP 195" profile offers). Our preference order wins.
 */
public final class TlsPolicy {

    public static final List<String> PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");

    /** Strongest first. TLS 1.3 suites are all AEAD with forward secrecy by design. */
    public static final List<String> CIPHER_SUITES = List.of(
            "TLS_AES_256_GCM_SHA384",
            "TLS_AES_128_GCM_SHA256",
            "TLS_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
            "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384",
            "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256");

    private TlsPolicy() {
    }

    /**
     * The policy's parameters for this context: the suites the runtime does not have are left
     * out rather than failing, as long as one remains.
     */
    public static SSLParameters parameters(SSLContext context) {
        Set<String> supported = Set.of(context.getSupportedSSLParameters().getCipherSuites());
        String[] suites = CIPHER_SUITES.stream().filter(supported::contains).toArray(String[]::new);
        if (suites.length == 0) {
            throw new IllegalStateException("this Java runtime supports none of the TLS cipher suites " + CIPHER_SUITES);
        }
        SSLParameters parameters = new SSLParameters(suites, PROTOCOLS.toArray(String[]::new));
        parameters.setUseCipherSuitesOrder(true);
        return parameters;
    }

    /** The listener side: a client certificate is asked for only when it is required. */
    static void applyServer(SSLSocket socket, SSLContext context, boolean requireClientCertificate) {
        SSLParameters parameters = parameters(context);
        parameters.setNeedClientAuth(requireClientCertificate);
        // the mode first: changing it afterwards may reset protocols and suites to the runtime's defaults
        socket.setUseClientMode(false);
        socket.setSSLParameters(parameters);
    }

    /**
     * The connecting side. The peer's certificate must name the host we connected to (its DNS
     * name or IP address as subject alternative name): trusting a hospital CA must not mean
     * trusting every host that CA ever certified as this destination.
     */
    static void applyClient(SSLSocket socket, SSLContext context) {
        SSLParameters parameters = parameters(context);
        parameters.setEndpointIdentificationAlgorithm("HTTPS");
        socket.setUseClientMode(true);
        socket.setSSLParameters(parameters);
    }
}
