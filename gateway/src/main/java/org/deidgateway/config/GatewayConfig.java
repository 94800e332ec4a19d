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
        @JsonProperty("reidentification") ReidentificationConfig reidentification,
        @JsonProperty("dicom") DicomConfig dicom,
        @JsonProperty("destinations") List<DestinationConfig> destinations,
        @JsonProperty("metrics") MetricsConfig metrics,
        @JsonProperty("queue") QueueConfig queue,
        @JsonProperty("pixels") PixelsConfig pixels,
        @JsonProperty("processing") ProcessingConfig processing,
        @JsonProperty("database") DatabaseConfig database) {

    public static final int CURRENT_VERSION = 1;

    /** The creator Jackson uses (records with a second constructor need it named). */
    @JsonCreator
    public GatewayConfig {
    }

    public GatewayConfig(int version, List<ProjectConfig> projects) {
        this(version, projects, ReidentificationConfig.DEFAULT, DicomConfig.DEFAULT, List.of(), MetricsConfig.DEFAULT, null, null, null, null);
    }

    public DicomConfig dicomOrDefault() {
        return dicom == null ? DicomConfig.DEFAULT : dicom;
    }

    public MetricsConfig metricsOrDefault() {
        return metrics == null ? MetricsConfig.DEFAULT : metrics;
    }

    public GatewayConfig withMetrics(MetricsConfig newMetrics) {
        return new GatewayConfig(version, projects, reidentification, dicom, destinations, newMetrics, queue, pixels, processing, database);
    }

    public List<DestinationConfig> destinationsOrEmpty() {
        return destinations == null ? List.of() : destinations;
    }

    public GatewayConfig withDicom(DicomConfig newDicom) {
        return new GatewayConfig(version, projects, reidentification, newDicom, destinations, metrics, queue, pixels, processing, database);
    }

    public GatewayConfig withDestinations(List<DestinationConfig> newDestinations) {
        return new GatewayConfig(version, projects, reidentification, dicom, List.copyOf(newDestinations), metrics, queue, pixels, processing, database);
    }

    public PixelsConfig pixelsOrDefault() {
        return pixels == null ? PixelsConfig.DEFAULT : pixels;
    }

    public GatewayConfig withPixels(PixelsConfig newPixels) {
        return new GatewayConfig(version, projects, reidentification, dicom, destinations, metrics, queue, newPixels, processing, database);
    }

    public ProcessingConfig processingOrDefault() {
        return processing == null ? ProcessingConfig.DEFAULT : processing;
    }

    public GatewayConfig withProcessing(ProcessingConfig newProcessing) {
        return new GatewayConfig(version, projects, reidentification, dicom, destinations, metrics, queue, pixels, newProcessing, database);
    }

    public DatabaseConfig databaseOrDefault() {
        return database == null ? DatabaseConfig.DEFAULT : database;
    }

    public GatewayConfig withDatabase(DatabaseConfig newDatabase) {
        return new GatewayConfig(version, projects, reidentification, dicom, destinations, metrics, queue, pixels, processing, newDatabase);
    }

    public QueueConfig queueOrDefault() {
        return queue == null ? QueueConfig.DEFAULT : queue;
    }

    public GatewayConfig withQueue(QueueConfig newQueue) {
        return new GatewayConfig(version, projects, reidentification, dicom, destinations, metrics, newQueue, pixels, processing, database);
    }

    public GatewayConfig withReidentification(ReidentificationConfig newReidentification) {
        return new GatewayConfig(version, projects, newReidentification, dicom, destinations, metrics, queue, pixels, processing, database);
    }

    public GatewayConfig withProjects(List<ProjectConfig> newProjects) {
        return new GatewayConfig(version, List.copyOf(newProjects), reidentification, dicom, destinations, metrics, queue, pixels, processing, database);
    }

    public Optional<ProjectConfig> project(String name) {
        return projects.stream().filter(p -> p.name().equals(name)).findFirst();
    }

    public ReidentificationConfig reidentificationOrDefault() {
        return reidentification == null ? ReidentificationConfig.DEFAULT : reidentification;
    }
}
