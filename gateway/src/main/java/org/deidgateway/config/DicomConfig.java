package org.deidgateway.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.List;

/**
 * The DICOM receiver: AE title, address and port, how many associations at once, which calling AE
 * titles may send and from which source addresses (IP literals or CIDR blocks; empty or missing:
 * any); how long a new connection may stay silent (ARTIM), how long an association may stay idle,
 * how many silent new connections may wait at once; and TLS. Missing keys take the defaults.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record DicomConfig(        @JsonProperty("ae-title") String aeTitle,
        @JsonProperty("bind-address") String bindAddress,
        @JsonProperty("port") Integer port,
        @JsonProperty("max-associations") Integer maxAssociations,
        @JsonProperty("allowed-calling-ae-titles") List<String> allowedCallingAeTitles,
        @JsonProperty("artim-timeout-seconds") Integer artimTimeoutSeconds,
        @JsonProperty("idle-timeout-seconds") Integer idleTimeoutSeconds,
        @JsonProperty("max-waiting-connections") Integer maxWaitingConnections,
        @JsonProperty("allowed-source-addresses") List<String> allowedSourceAddresses,
        @JsonProperty("tls") DicomTlsConfig tls) {

    public static final String DEFAULT_AE_TITLE = "DEIDGW";
    public static final int DEFAULT_PORT = 11112;
    public static final String DEFAULT_BIND_ADDRESS = "0.0.0.0";
    public static final int DEFAULT_MAX_ASSOCIATIONS = 50;
    public static final int DEFAULT_ARTIM_TIMEOUT_SECONDS = 30;
    public static final int DEFAULT_IDLE_TIMEOUT_SECONDS = 300;
    public static final int DEFAULT_MAX_WAITING_CONNECTIONS = 1000;
    public static final DicomConfig DEFAULT = new DicomConfig(DEFAULT_AE_TITLE, DEFAULT_BIND_ADDRESS, DEFAULT_PORT,
            DEFAULT_MAX_ASSOCIATIONS, List.of(), null, null, null, List.of(), DicomTlsConfig.DEFAULT);

    @JsonCreator
    public DicomConfig {
    }

    public DicomConfig(String aeTitle, String bindAddress, Integer port, Integer maxAssociations,
                       List<String> allowedCallingAeTitles) {
        this(aeTitle, bindAddress, port, maxAssociations, allowedCallingAeTitles, null, null, null, null, null);
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

    public int artimTimeoutSecondsOrDefault() {
        return artimTimeoutSeconds == null ? DEFAULT_ARTIM_TIMEOUT_SECONDS : artimTimeoutSeconds;
    }

    public int idleTimeoutSecondsOrDefault() {
        return idleTimeoutSeconds == null ? DEFAULT_IDLE_TIMEOUT_SECONDS : idleTimeoutSeconds;
    }

    public int maxWaitingConnectionsOrDefault() {
        return maxWaitingConnections == null ? DEFAULT_MAX_WAITING_CONNECTIONS : maxWaitingConnections;
    }

    public List<String> allowedSourceAddressesOrEmpty() {
        return allowedSourceAddresses == null ? List.of() : allowedSourceAddresses;
    }

    public DicomTlsConfig tlsOrDefault() {
        return tls == null ? DicomTlsConfig.DEFAULT : tls;
    }

    public DicomConfig withAeTitle(String value) {
        return new DicomConfig(value, bindAddress, port, maxAssociations, allowedCallingAeTitles,
                artimTimeoutSeconds, idleTimeoutSeconds, maxWaitingConnections, allowedSourceAddresses, tls);
    }

    public DicomConfig withBindAddress(String value) {
        return new DicomConfig(aeTitle, value, port, maxAssociations, allowedCallingAeTitles,
                artimTimeoutSeconds, idleTimeoutSeconds, maxWaitingConnections, allowedSourceAddresses, tls);
    }

    public DicomConfig withPort(Integer value) {
        return new DicomConfig(aeTitle, bindAddress, value, maxAssociations, allowedCallingAeTitles,
                artimTimeoutSeconds, idleTimeoutSeconds, maxWaitingConnections, allowedSourceAddresses, tls);
    }

    public DicomConfig withMaxAssociations(Integer value) {
        return new DicomConfig(aeTitle, bindAddress, port, value, allowedCallingAeTitles,
                artimTimeoutSeconds, idleTimeoutSeconds, maxWaitingConnections, allowedSourceAddresses, tls);
    }

    public DicomConfig withAllowedCallingAeTitles(List<String> value) {
        return new DicomConfig(aeTitle, bindAddress, port, maxAssociations, value,
                artimTimeoutSeconds, idleTimeoutSeconds, maxWaitingConnections, allowedSourceAddresses, tls);
    }

    public DicomConfig withArtimTimeoutSeconds(Integer value) {
        return new DicomConfig(aeTitle, bindAddress, port, maxAssociations, allowedCallingAeTitles,
                value, idleTimeoutSeconds, maxWaitingConnections, allowedSourceAddresses, tls);
    }

    public DicomConfig withIdleTimeoutSeconds(Integer value) {
        return new DicomConfig(aeTitle, bindAddress, port, maxAssociations, allowedCallingAeTitles,
                artimTimeoutSeconds, value, maxWaitingConnections, allowedSourceAddresses, tls);
    }

    public DicomConfig withMaxWaitingConnections(Integer value) {
        return new DicomConfig(aeTitle, bindAddress, port, maxAssociations, allowedCallingAeTitles,
                artimTimeoutSeconds, idleTimeoutSeconds, value, allowedSourceAddresses, tls);
    }

    public DicomConfig withAllowedSourceAddresses(List<String> value) {
        return new DicomConfig(aeTitle, bindAddress, port, maxAssociations, allowedCallingAeTitles,
                artimTimeoutSeconds, idleTimeoutSeconds, maxWaitingConnections, value, tls);
    }

    public DicomConfig withTls(DicomTlsConfig value) {
        return new DicomConfig(aeTitle, bindAddress, port, maxAssociations, allowedCallingAeTitles,
                artimTimeoutSeconds, idleTimeoutSeconds, maxWaitingConnections, allowedSourceAddresses, value);
    }
}
