package org.deidgateway.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * Header de-identification: how many threads process received objects at once. Parsing and
 * rewriting a header is CPU work, so by default there is one thread per core (at most
 * {@value #MAX_DEFAULT_THREADS}); the results are queued for forwarding in the order received.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ProcessingConfig(@JsonProperty("threads") Integer threads) {

    public static final int MAX_THREADS = 32;
    public static final int MAX_DEFAULT_THREADS = 4;
    public static final ProcessingConfig DEFAULT = new ProcessingConfig(null);

    @JsonCreator
    public ProcessingConfig {
    }

    public int threadsOrDefault() {
        return threads == null ? Math.min(MAX_DEFAULT_THREADS, Runtime.getRuntime().availableProcessors()) : threads;
    }

    /** The first problem, naming its key, or null. */
    public String problem() {
        if (threads != null && (threads < 1 || threads > MAX_THREADS)) {
            return "processing.threads: " + threads + " must be 1 to " + MAX_THREADS;
        }
        return null;
    }
}
