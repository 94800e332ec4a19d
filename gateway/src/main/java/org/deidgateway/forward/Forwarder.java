package org.deidgateway.forward;

import org.deidgateway.forward.DeliveryChannel.DeliveryException;
import org.deidgateway.metrics.GatewayMetrics;
import org.deidgateway.store.StoreException;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Works one destination's outbox: delivers what is due, oldest first; after a transient failure it
 * stops the round, since the next object would most likely meet the same closed door.
 */
public final class Forwarder implements Runnable {

    private static final Logger LOG = Logger.getLogger(Forwarder.class);
    private static final long IDLE_PAUSE_MILLIS = 200;

    private final String destination;
    private final DeliveryChannel channel;
    private final Outbox outbox;
    private final Path files;
    private final GatewayMetrics metrics;
    private volatile boolean running = true;
    private final Object idle = new Object();
    private boolean woken;
    /** Transient failures in a row: the whole destination pauses, 1 s doubling up to 5 minutes. */
    private int failuresInARow;
    private long pausedUntilMillis;

    public Forwarder(String destination, DeliveryChannel channel, Outbox outbox, Path files, GatewayMetrics metrics) {
        this.metrics = metrics;
        this.destination = destination;
        this.channel = channel;
        this.outbox = outbox;
        this.files = files;
    }

    public void stop() {
        running = false;
        wake();
    }

    /** Something new is queued: the idle pause ends now rather than after its 200 ms. */
    public void wake() {
        synchronized (idle) {
            woken = true;
            idle.notifyAll();
        }
    }

    @Override
    public void run() {
        try (channel) {
            while (running) {
                int delivered = deliverDue();
                if (delivered == 0) {
                    pause();
                }
            }
        }
    }

    /** One round; returns how many were delivered. */
    public int deliverDue() {
        int delivered = 0;
        if (System.currentTimeMillis() < pausedUntilMillis) {
            return 0;
        }
        try {
            List<Outbox.Entry> due = outbox.due(destination, 100);
            for (Outbox.Entry entry : due) {
                if (!running) {
                    break;
                }
                Path file = files.resolve(entry.file());
                long started = System.nanoTime();
                try {
                    channel.deliver(file, entry.targetPath());
                    metrics.forwarded(destination, System.nanoTime() - started);
                    delivered++;
                    if (failuresInARow > 0) {
                        // back again: everything that waited for its own retry time goes now
                        LOG.infof("destination %s reachable again after %d failed attempts", destination, failuresInARow);
                        failuresInARow = 0;
                        outbox.retryNow(destination);
                    }
                    if (outbox.delivered(entry)) {
                        Files.deleteIfExists(file);
                    }
                } catch (DeliveryException e) {
                    metrics.failed("forward");
                    if (e.permanent()) {
                        LOG.warnf("destination %s refused an object for good: %s", destination, e.getMessage());
                        if (outbox.dead(entry, e.getMessage())) {
                            Files.deleteIfExists(file);
                        }
                    } else {
                        failuresInARow++;
                        long pause = Math.min(Outbox.MAX_RETRY_MILLIS, Outbox.FIRST_RETRY_MILLIS << Math.min(20, failuresInARow - 1));
                        pausedUntilMillis = System.currentTimeMillis() + pause;
                        if (failuresInARow == 1 || Long.bitCount(failuresInARow) == 1) {
                            // logged at the 1st, 2nd, 4th, 8th... failure, not at every attempt of a long outage
                            LOG.infof("destination %s unavailable (%d attempts so far), next attempt in %d s: %s", destination,
                                    failuresInARow, pause / 1000, e.getMessage());
                        }
                        outbox.retryLater(entry, e.getMessage());
                        break;
                    }
                }
            }
        } catch (StoreException | IOException e) {
            LOG.errorf("forwarding to %s paused: %s", destination, e.getMessage());
            pause();
        }
        return delivered;
    }

    private void pause() {
        try {
            synchronized (idle) {
                if (!woken) {
                    idle.wait(IDLE_PAUSE_MILLIS);
                }
                woken = false;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
    }
}
