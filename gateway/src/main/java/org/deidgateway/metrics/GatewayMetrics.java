package org.deidgateway.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;

/**
 * The gateway's meters, in one place so that names stay consistent: {@code deid_received_total},
 * {@code deid_processed_total}, {@code deid_quarantined_total}, {@code deid_forwarded_total} and
 * {@code deid_failed_total} (by stage), {@code deid_stage_seconds} (by stage), gauges for the
 * work waiting; for the DICOM port {@code deid_dicom_accept_failures_total} (typically no file
 * descriptor left), {@code deid_dicom_connections_dropped_total} (by reason) and the gauges
 * {@code deid_dicom_connections_waiting} and {@code deid_dicom_associations_active}.
 */
public final class GatewayMetrics {

    private final MeterRegistry registry;
    private final Counter received;
    private final Counter processed;
    private final Counter quarantined;
    private final Timer receiveTimer;
    private final Counter acceptFailures;
    private final Timer processTimer;
    private final Timer forwardTimer;
    private final java.util.Map<String, Counter> forwardedCounters = new java.util.concurrent.ConcurrentHashMap<>();

    private GatewayMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.received = Counter.builder("deid.received").description("objects answered with Success").register(registry);
        this.processed = Counter.builder("deid.processed").description("objects de-identified into the outbox").register(registry);
        this.quarantined = Counter.builder("deid.quarantined").description("objects held in the quarantine").register(registry);
        this.receiveTimer = stageTimer("receive");
        this.acceptFailures = Counter.builder("deid.dicom.accept.failures")
                .description("connections the DICOM port could not accept (typically no file descriptor left)").register(registry);
        this.processTimer = stageTimer("process");
        this.forwardTimer = stageTimer("forward");
    }

    /** Meters exposed in the Prometheus format (for deid serve). */
    public static GatewayMetrics prometheus() {
        return new GatewayMetrics(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
    }

    /** Meters kept in memory only (tests, commands that expose nothing). */
    public static GatewayMetrics inMemory() {
        return new GatewayMetrics(new SimpleMeterRegistry());
    }

    public MeterRegistry registry() {
        return registry;
    }

    /** The Prometheus text exposition, or null when the registry is not a Prometheus one. */
    public String scrape() {
        return registry instanceof PrometheusMeterRegistry p ? p.scrape() : null;
    }

    public void received(long nanos) {
        received.increment();
        receiveTimer.record(nanos, java.util.concurrent.TimeUnit.NANOSECONDS);
    }

    public void processed(long nanos) {
        processed.increment();
        processTimer.record(nanos, java.util.concurrent.TimeUnit.NANOSECONDS);
    }

    /** Pixel data masked and checked by OCR (Clean Pixel Data), with the time it took. */
    public void pixelsCleaned(long nanos) {
        Counter.builder("deid.pixels.cleaned").description("objects whose burned-in text was masked and checked by OCR")
                .register(registry).increment();
        stageTimer("pixels").record(nanos, java.util.concurrent.TimeUnit.NANOSECONDS);
    }

    /** An object the pixel stage sent to the quarantine (text remains, no rule and text found, unsupported encoding). */
    public void pixelsHeld() {
        Counter.builder("deid.pixels.held").description("objects whose pixel data could not be cleaned and checked")
                .register(registry).increment();
    }

    /** An object of a two-stage project kept in the curation store instead of forwarded. */
    public void held() {
        Counter.builder("deid.held").description("objects of two-stage projects held for curation").register(registry)
                .increment();
    }

    /**
     * Values the engine did not keep although the profile would have: kept values that broke
     * their VR's grammar (emptied) and UN elements it could not read as their VR (removed).
     */
    public void distrustedValues(int emptied, int unreadable) {
        if (emptied > 0) {
            Counter.builder("deid.values.distrusted").tag("outcome", "emptied")
                    .description("kept values that did not match their VR, emptied; or UN elements not readable as their VR, removed")
                    .register(registry).increment(emptied);
        }
        if (unreadable > 0) {
            Counter.builder("deid.values.distrusted").tag("outcome", "removed")
                    .description("kept values that did not match their VR, emptied; or UN elements not readable as their VR, removed")
                    .register(registry).increment(unreadable);
        }
    }

    public void quarantined() {
        quarantined.increment();
    }

    public void failed(String stage) {
        Counter.builder("deid.failed").description("objects refused or not delivered, by stage").tag("stage", stage)
                .register(registry).increment();
    }

    public void acceptFailed() {
        acceptFailures.increment();
    }

    /**
     * A connection closed before it was served: {@code artim} (silent past the ARTIM timeout),
     * {@code evicted} (oldest in a full waiting room), {@code busy} (every association taken).
     */
    public void connectionDropped(String reason) {
        Counter.builder("deid.dicom.connections.dropped").description("connections closed before an association was served")
                .tag("reason", reason).register(registry).increment();
    }

    public void forwarded(String destination, long nanos) {
        // looked up once per destination: building a meter's id for every delivered object showed in the forwarder's profile
        forwardedCounters.computeIfAbsent(destination, d -> Counter.builder("deid.forwarded")
                .description("objects delivered, by destination").tag("destination", d).register(registry)).increment();
        forwardTimer.record(nanos, java.util.concurrent.TimeUnit.NANOSECONDS);
    }

    public <T> void gauge(String name, String description, T source, ToDoubleFunction<T> value, String... tags) {
        io.micrometer.core.instrument.Gauge.builder(name, source, value).description(description).tags(tags).register(registry);
    }

    public void gauge(String name, String description, Supplier<Number> value, String... tags) {
        io.micrometer.core.instrument.Gauge.builder(name, value).description(description).tags(tags).register(registry);
    }

    private Timer stageTimer(String stage) {
        return Timer.builder("deid.stage").description("time per object and stage").tag("stage", stage).register(registry);
    }
}
