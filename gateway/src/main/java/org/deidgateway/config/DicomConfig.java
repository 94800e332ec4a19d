package org.deidgateway.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.List;

/**
 * The DICOM receiver: AE title, address and port, how many associations at once, and which
 * calling AE titles may send (empty or missing: any). Missing keys take the defaults.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record DicomConfig(
        @JsonProperty("ae-title") String aeTitle,
        @JsonProperty("bind-address") String bindAddress,
        @JsonProperty("port") Integer port,
        @JsonProperty("max-associations") Integer maxAssociations,
        @JsonProperty("allowed-calling-ae-titles") List<String> allowedCallingAeTitles) {

    public static final String DEFAULT_AE_TITLE = "DEIDGW";
    public static final int DEFAULT_PORT = 11112;
    public static final String DEFAULT_BIND_ADDRESS = "0.0.0.0";
    public static final int DEFAULT_MAX_ASSOCIATIONS = 50;
    public static final DicomConfig DEFAULT = new DicomConfig(DEFAULT_AE_TITLE, DEFAULT_BIND_ADDRESS, DEFAULT_PORT,
            DEFAULT_MAX_ASSOCIATIONS, List.of());

    @JsonCreator
    public DicomConfig {
    }

    public String aeTitleOrDefault() {
        return aeTitle == null ? DEFAULT_AE_TITLE : aeTitle;
    }

    public String bindAddressOrDefault() {
        return bindAddress == null ? DEFAULT_BIND_ADDRESS : bindAddress;
    }

    public int portOrDefault() {
        return port == null ? DEFAULT_PORT : port;
    }

    public int maxAssociationsOrDefault() {
        return maxAssociations == null ? DEFAULT_MAX_ASSOCIATIONS : maxAssociations;
    }

    public List<String> allowedCallingAeTitlesOrEmpty() {
        return allowedCallingAeTitles == null ? List.of() : allowedCallingAeTitles;
    }
}
