package org.deidgateway.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * TLS on the DICOM listener. Off unless {@code enabled}; when on, the listener speaks TLS only.
 * {@code require-client-certificate} makes every peer present a certificate that chains to one
 * trusted in the gateway keystore. The certificates themselves live in the keystore, not here.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record DicomTlsConfig(
        @JsonProperty("enabled") Boolean enabled,
        @JsonProperty("require-client-certificate") Boolean requireClientCertificate) {

    public static final DicomTlsConfig DEFAULT = new DicomTlsConfig(false, false);

    @JsonCreator
    public DicomTlsConfig {
    }

    public boolean enabledOrFalse() {
        return Boolean.TRUE.equals(enabled);
    }

    public boolean requireClientCertificateOrFalse() {
        return Boolean.TRUE.equals(requireClientCertificate);
    }
}
