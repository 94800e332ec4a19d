package org.deidgateway.tls;

import org.deidgateway.config.ConfigException;
import org.deidgateway.config.DestinationConfig;
import org.deidgateway.config.DicomTlsConfig;
import org.deidgateway.config.GatewayConfig;

import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;

/**
 * The part of validating deid.yaml that needs the keystore: TLS switched on where the keystore
 * lacks what it takes. Each message names the key that asks for TLS and the command that supplies
 * what is missing, so that the gateway refuses to start instead of failing every handshake.
 */
public final class TlsConfigCheck {

    private TlsConfigCheck() {
    }

    /** Whether the configuration uses TLS anywhere, so that checking it needs the keystore. */
    public static boolean needed(GatewayConfig config) {
        return config.dicomOrDefault().tlsOrDefault().enabledOrFalse()
                || config.destinationsOrEmpty().stream().anyMatch(DestinationConfig::tlsOrFalse);
    }

    public static void check(Path configFile, GatewayConfig config, TlsMaterial material) throws ConfigException {
        Path home = configFile.toAbsolutePath().getParent();
        DicomTlsConfig listener = config.dicomOrDefault().tlsOrDefault();
        if (listener.enabledOrFalse()) {
            X509Certificate[] own = material.ownChain().orElseThrow(() -> new ConfigException(configFile
                    + ": dicom.tls.enabled is true, but the gateway keystore holds no TLS certificate; create one with "
                    + "deid tls generate --home " + home + " --cn HOST_NAME, or import the hospital CA's with deid tls import "
                    + "--home " + home + " --key KEY.pem --cert CHAIN.pem"));
            CertificateSummary leaf = CertificateSummary.of(own[0]);
            if (leaf.expired(Instant.now())) {
                throw new ConfigException(configFile + ": dicom.tls.enabled is true, but the gateway's TLS certificate "
                        + leaf.oneLine() + " expired on " + leaf.notAfter() + "; replace it with deid tls generate --replace "
                        + "or deid tls import --replace");
            }
            if (listener.requireClientCertificateOrFalse() && material.trusted().isEmpty()) {
                throw new ConfigException(configFile + ": dicom.tls.require-client-certificate is true, but the gateway "
                        + "keystore trusts no certificate, so every peer would be refused; add the peers' certificates (or "
                        + "their CA's) with deid tls trust --home " + home + " --name NAME --cert FILE.pem");
            }
        }
        List<DestinationConfig> destinations = config.destinationsOrEmpty();
        for (int i = 0; i < destinations.size(); i++) {
            if (destinations.get(i).tlsOrFalse() && material.trusted().isEmpty()) {
                throw new ConfigException(configFile + ": destinations[" + i + "].tls is true (destination "
                        + destinations.get(i).name() + "), but the gateway keystore trusts no certificate, so the peer "
                        + "cannot be verified; add its certificate (or its CA's) with deid tls trust --home " + home
                        + " --name NAME --cert FILE.pem");
            }
        }
    }
}
