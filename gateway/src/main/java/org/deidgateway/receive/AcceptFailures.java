package org.deidgateway.receive;

import org.deidgateway.metrics.GatewayMetrics;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.util.concurrent.TimeUnit;

/**
 * Failed accepts on the DICOM port, counted one by one but logged once per burst: while
 * descriptors are exhausted every retry fails, and under a flood accepts fail and succeed in turn
 * many times a second; a line each time would flood the log. A burst ends with the first accept
 * that follows {@link #QUIET_NANOS} without failure; one that lasts gets a reminder once a minute.
 * Used by the accepting thread only.
 */
final class AcceptFailures {

    private static final Logger LOG = Logger.getLogger(AcceptFailures.class);
    private static final long QUIET_NANOS = TimeUnit.SECONDS.toNanos(10);
    private static final long REMINDER_NANOS = TimeUnit.MINUTES.toNanos(1);

    private final GatewayMetrics metrics;
    private long failures;
    private long burstStarted;
    private long lastFailure;
    private long lastLogged;

    AcceptFailures(GatewayMetrics metrics) {
        this.metrics = metrics;
    }

    void failed(IOException e) {
        metrics.acceptFailed();
        long now = System.nanoTime();
        if (failures++ == 0) {
            burstStarted = now;
            lastLogged = now;
            LOG.warnf("cannot accept DICOM connections: %s; closing the oldest silent connections and retrying (logged once"
                    + " until accepting works again)", reason(e));
        } else if (now - lastLogged >= REMINDER_NANOS) {
            lastLogged = now;
            LOG.warnf("still failing to accept DICOM connections at times: %d attempts failed in %d s (%s)", failures,
                    TimeUnit.NANOSECONDS.toSeconds(now - burstStarted), reason(e));
        }
        lastFailure = now;
    }

    void succeeded() {
        if (failures > 0 && System.nanoTime() - lastFailure >= QUIET_NANOS) {
            LOG.infof("accepting DICOM connections again; %d attempts failed in a burst of %d ms", failures,
                    TimeUnit.NANOSECONDS.toMillis(lastFailure - burstStarted) + 1);
            failures = 0;
        }
    }

    private static String reason(IOException e) {
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }
}
