package org.deidgateway.forward;

import org.deidgateway.forward.DeliveryChannel.DeliveryException;
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
    private volatile boolean running = true;

    public Forwarder(String destination, DeliveryChannel channel, Outbox outbox, Path files) {
        this.destination = destination;
        this.channel = channel;
        this.outbox = outbox;
        this.files = files;
    }

    public void stop() {
        running = false;
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
        try {
            List<Outbox.Entry> due = outbox.due(destination, 100);
            for (Outbox.Entry entry : due) {
                if (!running) {
                    break;
                }
                Path file = files.resolve(entry.file());
                try {
                    channel.deliver(file, entry.targetPath());
                    delivered++;
                    if (outbox.delivered(entry)) {
                        Files.deleteIfExists(file);
                    }
                } catch (DeliveryException e) {
                    if (e.permanent()) {
                        LOG.warnf("destination %s refused an object for good: %s", destination, e.getMessage());
                        if (outbox.dead(entry, e.getMessage())) {
                            Files.deleteIfExists(file);
                        }
                    } else {
                        LOG.infof("destination %s unavailable, will retry: %s", destination, e.getMessage());
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
            Thread.sleep(IDLE_PAUSE_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
    }
}
