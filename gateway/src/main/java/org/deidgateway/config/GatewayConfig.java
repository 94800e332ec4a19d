package org.deidgateway.config;

import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.List;
import java.util.Optional;

/**
 * The whole configuration of one installation, as read from {@code deid.yaml} in its home.
 * Later parts of the gateway (DICOM listener, destinations) add their sections here.
 */
public record GatewayConfig(
        @JsonProperty("version") int version,
        @JsonProperty("projects") List<ProjectConfig> projects) {

    public static final int CURRENT_VERSION = 1;

    public Optional<ProjectConfig> project(String name) {
        return projects.stream().filter(p -> p.name().equals(name)).findFirst();
    }
}
