package org.deidgateway.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/** The monitoring endpoint of deid serve (/metrics, /health/live, /health/ready); port 0 turns it off. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record MetricsConfig(@JsonProperty("bind-address") String bindAddress, @JsonProperty("port") Integer port) {

    public static final String DEFAULT_BIND_ADDRESS = "127.0.0.1";
    public static final int DEFAULT_PORT = 9464;
    public static final MetricsConfig DEFAULT = new MetricsConfig(DEFAULT_BIND_ADDRESS, DEFAULT_PORT);

    @JsonCreator
    public MetricsConfig {
    }

    public String bindAddressOrDefault() {
        return bindAddress == null ? DEFAULT_BIND_ADDRESS : bindAddress;
    }

    public int portOrDefault() {
        return port == null ? DEFAULT_PORT : port;
    }
}
