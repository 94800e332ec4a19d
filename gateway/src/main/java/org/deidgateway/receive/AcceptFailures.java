package org.deidgateway.receive;

import org.deidgateway.metrics.GatewayMetrics;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.util.concurrent.TimeUnit;

/**
 * Failed accepts on the DICOM port, counted one by one but logged once per burst: while
 * descriptors are exhausted every retry fails, and a line each time would flood the log.
 * A burst that lasts gets a reminder once a minute. Used by the accepting thread only.
 */
final class AcceptFailures {

    private static final Logger LOG = Logger.getLogger(AcceptFailures.class);
    private static final long REMINDER_NANOS = TimeUnit.MINUTES.toNanos(1);

    private final GatewayMetrics metrics;
    private long failures;
    private long burstStarted;
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
            LOG.warnf("still cannot accept DICOM connections: %d attempts failed in %d s (%s)", failures,
                    TimeUnit.NANOSECONDS.toSeconds(now - burstStarted), reason(e));
        }
    }

    void succeeded() {
        if (failures > 0) {
            LOG.infof("accepting DICOM connections again, after %d failed attempts in %d ms", failures,
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - burstStarted));
            failures = 0;
        }
    }

    private static String reason(IOException e) {
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }
}
