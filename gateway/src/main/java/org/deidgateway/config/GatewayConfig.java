package org.deidgateway.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.List;
import java.util.Optional;

/**
 * The whole configuration of one installation, as read from {@code deid.yaml} in its home.
 * Later parts of the gateway (DICOM listener, destinations) add their sections here.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record GatewayConfig(
        @JsonProperty("version") int version,
        @JsonProperty("projects") List<ProjectConfig> projects,
        @JsonProperty("reidentification") ReidentificationConfig reidentification) {

    public static final int CURRENT_VERSION = 1;

    /** The creator Jackson uses (records with a second constructor need it named). */
    @JsonCreator
    public GatewayConfig {
    }

    public GatewayConfig(int version, List<ProjectConfig> projects) {
        this(version, projects, ReidentificationConfig.DEFAULT);
    }

    public Optional<ProjectConfig> project(String name) {
        return projects.stream().filter(p -> p.name().equals(name)).findFirst();
    }

    public ReidentificationConfig reidentificationOrDefault() {
        return reidentification == null ? ReidentificationConfig.DEFAULT : reidentification;
    }
}
