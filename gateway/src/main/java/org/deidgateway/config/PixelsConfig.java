package org.deidgateway.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * Clean Pixel Data: how many workers mask and read pixels (each runs one OCR at a time, beside the
 * header processing, so CT throughput does not wait for it), the OCR program and its time limit per
 * image, and the most frames of one object the gateway reads by OCR before it quarantines instead.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record PixelsConfig(@JsonProperty("workers") Integer workers,
                           @JsonProperty("tesseract") String tesseract,
                           @JsonProperty("ocr-timeout-seconds") Integer ocrTimeoutSeconds,
                           @JsonProperty("max-frames") Integer maxFrames) {

    public static final int DEFAULT_WORKERS = 1;
    public static final int MAX_WORKERS = 16;
    public static final String DEFAULT_TESSERACT = "tesseract";
    public static final int DEFAULT_OCR_TIMEOUT_SECONDS = 60;
    public static final int DEFAULT_MAX_FRAMES = 300;
    public static final PixelsConfig DEFAULT = new PixelsConfig(null, null, null, null);

    @JsonCreator
    public PixelsConfig {
    }

    public int workersOrDefault() {
        return workers == null ? DEFAULT_WORKERS : workers;
    }

    public String tesseractOrDefault() {
        return tesseract == null || tesseract.isBlank() ? DEFAULT_TESSERACT : tesseract;
    }

    public int ocrTimeoutSecondsOrDefault() {
        return ocrTimeoutSeconds == null ? DEFAULT_OCR_TIMEOUT_SECONDS : ocrTimeoutSeconds;
    }

    public int maxFramesOrDefault() {
        return maxFrames == null ? DEFAULT_MAX_FRAMES : maxFrames;
    }

    /** The first problem, naming its key, or null. */
    public String problem() {
        if (workersOrDefault() < 1 || workersOrDefault() > MAX_WORKERS) {
            return "pixels.workers: " + workersOrDefault() + " must be 1 to " + MAX_WORKERS;
        }
        if (ocrTimeoutSecondsOrDefault() < 1 || ocrTimeoutSecondsOrDefault() > 3600) {
            return "pixels.ocr-timeout-seconds: " + ocrTimeoutSecondsOrDefault() + " must be 1 to 3600";
        }
        if (maxFramesOrDefault() < 1 || maxFramesOrDefault() > 100_000) {
            return "pixels.max-frames: " + maxFramesOrDefault() + " must be 1 to 100000";
        }
        return null;
    }
}
