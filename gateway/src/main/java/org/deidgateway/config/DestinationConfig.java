package org.deidgateway.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * Where de-identified objects go: exactly one of a folder, a DICOM peer ({@code AE@HOST:PORT}) or a
 * DICOMweb STOW-RS URL. A STOW-RS destination may authenticate: {@code auth} says how
 * ({@value #AUTH_BEARER} or {@value #AUTH_BASIC}) and {@code auth-env} names the environment
 * variable of {@code deid serve} that holds the token or {@code USER:PASSWORD}, so no credential
 * is ever written into deid.yaml. {@code tls: true} makes a DICOM peer's
 * associations run over TLS, the peer checked against the certificates the gateway keystore trusts.
 * {@code associations} (default 1) lets several deliveries to it run at once, one study on one of them.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record DestinationConfig(
        @JsonProperty("name") String name,
        @JsonProperty("folder") String folder,
        @JsonProperty("dicom") String dicom,
        @JsonProperty("stow-rs") String stowRs,
        @JsonProperty("auth") String auth,
        @JsonProperty("auth-env") String authEnv,
        @JsonProperty("tls") Boolean tls,
        @JsonProperty("associations") Integer associations) {

    public static final String NAME_PATTERN = "[a-z0-9][a-z0-9-]{0,31}";
    public static final String DICOM_PATTERN = "[^@\\\\]{1,16}@[A-Za-z0-9.:\\[\\]-]+:\\d{1,5}";
    public static final String AUTH_BEARER = "bearer";
    public static final String AUTH_BASIC = "basic";
    public static final String AUTH_ENV_PATTERN = "[A-Z_][A-Z0-9_]{0,63}";
    public static final int MAX_ASSOCIATIONS = 16;

    @JsonCreator
    public DestinationConfig {
    }

    public DestinationConfig(String name, String folder, String dicom, String stowRs) {
        this(name, folder, dicom, stowRs, null, null, null, null);
    }

    public DestinationConfig(String name, String folder, String dicom, String stowRs, String auth, String authEnv,
                             Boolean tls) {
        this(name, folder, dicom, stowRs, auth, authEnv, tls, null);
    }

    /**
     * How many deliveries run at once (DICOM associations, HTTP connections or folder writers).
     * Each study goes through one of them only, so a destination still gets every study in order.
     */
    public int associationsOrDefault() {
        return associations == null ? 1 : associations;
    }

    public DestinationConfig withAssociations(Integer newAssociations) {
        return new DestinationConfig(name, folder, dicom, stowRs, auth, authEnv, tls, newAssociations);
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
