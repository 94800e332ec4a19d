package org.deidgateway.forward;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * A channel that takes several objects in one exchange (STOW-RS: one HTTP request). Each object
 * still gets its own outcome, because a peer may store some and refuse others; the forwarder then
 * treats each outcome as it treats a single delivery.
 */
public interface BatchDeliveryChannel extends DeliveryChannel {

    /** One object of a batch; {@code relativePath} as in {@link DeliveryChannel#deliver}. */
    record Item(Path file, String relativePath) {
    }

    enum Result { DELIVERED, PERMANENT_FAILURE, TRANSIENT_FAILURE }

    /**
     * What became of one item. {@code retryAfter} is the peer's own wish for a pause (HTTP
     * Retry-After), zero when it expressed none; {@code reason} names the peer and the cause, never
     * anything from the data set.
     */
    record Outcome(Result result, String reason, Duration retryAfter) {

        public static final Outcome DELIVERED = new Outcome(Result.DELIVERED, null, Duration.ZERO);

        public static Outcome permanent(String reason) {
            return new Outcome(Result.PERMANENT_FAILURE, reason, Duration.ZERO);
        }

        public static Outcome transientFailure(String reason, Duration retryAfter) {
            return new Outcome(Result.TRANSIENT_FAILURE, reason, retryAfter);
        }
    }

    /** How the forwarder cuts its due entries into batches for this channel. */
    BatchLimits limits();

    /** Delivers the items as one batch; returns one outcome per item, in the same order. */
    List<Outcome> deliverAll(List<Item> items);
}
