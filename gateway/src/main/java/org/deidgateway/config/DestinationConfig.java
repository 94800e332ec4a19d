package org.deidgateway.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * Where de-identified objects go: exactly one of a folder, a DICOM peer ({@code AE@HOST:PORT}) or a
 * DICOMweb STOW-RS URL. {@code tls: true} makes a DICOM peer's associations run over TLS, the
 * peer checked against the certificates the gateway keystore trusts.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record DestinationConfig(
        @JsonProperty("name") String name,
        @JsonProperty("folder") String folder,
        @JsonProperty("dicom") String dicom,
        @JsonProperty("stow-rs") String stowRs,
        @JsonProperty("tls") Boolean tls) {

    public static final String NAME_PATTERN = "[a-z0-9][a-z0-9-]{0,31}";
    public static final String DICOM_PATTERN = "[^@\\\\]{1,16}@[A-Za-z0-9.:\\[\\]-]+:\\d{1,5}";

    @JsonCreator
    public DestinationConfig {
    }

    public DestinationConfig(String name, String folder, String dicom, String stowRs) {
        this(name, folder, dicom, stowRs, null);
    }

    public boolean tlsOrFalse() {
        return Boolean.TRUE.equals(tls);
    }

    public String kind() {
        return folder != null ? "folder" : dicom != null ? "dicom" : "stow-rs";
    }

    public String target() {
        return folder != null ? folder : dicom != null ? dicom : stowRs;
    }
}
