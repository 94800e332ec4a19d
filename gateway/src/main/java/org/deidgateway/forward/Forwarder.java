package org.deidgateway.forward;

import org.deidgateway.forward.DeliveryChannel.DeliveryException;
import org.deidgateway.metrics.GatewayMetrics;
import org.deidgateway.metrics.RepeatedFailure;
import org.deidgateway.store.FileRecycler;
import org.deidgateway.store.StoreException;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Works one destination's outbox (or one lane of it, when several associations deliver to it at
 * once): delivers what is due, oldest first, one by one or in batches when the channel takes them;
 * after a transient failure it stops the round, since the next object would most likely meet the
 * same closed door.
 */
public final class Forwarder implements Runnable {

    private static final Logger LOG = Logger.getLogger(Forwarder.class);
    private static final long IDLE_PAUSE_MILLIS = 200;

    private final String destination;
    private final Outbox.Lane lane;
    private final DeliveryChannel channel;
    private final Outbox outbox;
    private final Path files;
    /** The spool, where the received originals wait until their copies are delivered (null: not deleted here). */
    private final Path originals;
    private final GatewayMetrics metrics;
    private final FileRecycler recycler;
    private volatile boolean running = true;
    private final Object idle = new Object();
    private final List<Outbox.Entry> deliveredNotRecorded = new java.util.ArrayList<>();
    private boolean woken;
    /** Transient failures in a row: the whole destination pauses, 1 s doubling up to 5 minutes. */
    private int failuresInARow;
    private long pausedUntilMillis;
    /**
     * The queue itself failing (a full or read-only disk under the database): retried every round,
     * a few times a second, so said once, then once a minute.
     */
    private final RepeatedFailure queueFailures;

    public Forwarder(String destination, DeliveryChannel channel, Outbox outbox, Path files, GatewayMetrics metrics) {
        this(destination, channel, outbox, files, null, metrics);
    }

    public Forwarder(String destination, DeliveryChannel channel, Outbox outbox, Path files, Path originals,
                     GatewayMetrics metrics) {
        this(destination, channel, outbox, files, originals, FileRecycler.NONE, metrics);
    }

    /** Delivered copies and their originals are handed back to {@code recycler} instead of deleted. */
    public Forwarder(String destination, DeliveryChannel channel, Outbox outbox, Path files, Path originals,
                     FileRecycler recycler, GatewayMetrics metrics) {
        this(destination, Outbox.Lane.ALL, channel, outbox, files, originals, recycler, metrics);
    }

    /**
     * One of several forwarders of a destination, each with its own channel (its own association):
     * it delivers only the studies of its {@code lane}.
     */
    public Forwarder(String destination, Outbox.Lane lane, DeliveryChannel channel, Outbox outbox, Path files,
                     Path originals, FileRecycler recycler, GatewayMetrics metrics) {
        this.lane = lane;
        this.recycler = recycler;
        this.originals = originals;
        this.metrics = metrics;
        this.destination = destination;
        this.channel = channel;
        this.outbox = outbox;
        this.files = files;
        this.queueFailures = new RepeatedFailure(LOG, Logger.Level.ERROR, "forwarding to " + destination + " paused",
                "forwarding to " + destination + " still paused", "forwarding to " + destination + " resumed", Duration.ZERO);
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
                int delivered = round();
                if (delivered == 0) {
                    recordDeliveredQuietly();
                    pause();
                }
            }
            recordDeliveredQuietly();
        }
    }

    /** One round, its deliveries recorded before it returns; returns how many were delivered. */
    public int deliverDue() {
        return round();
    }

    /**
     * One round. Each delivery (each batch, for a batch channel) is recorded as soon as the peer
     * confirmed it. Entries delivered whose record failed (the database full or read-only) are
     * kept, left out of the next round's query, which would still find them due, and recorded then.
     */
    private int round() {
        if (System.currentTimeMillis() < pausedUntilMillis) {
            return 0;
        }
        try {
            java.util.Set<Long> inFlight = new java.util.HashSet<>();
            deliveredNotRecorded.forEach(e -> inFlight.add(e.id()));
            List<Outbox.Entry> due = outbox.due(destination, lane, 100 + inFlight.size()).stream()
                    .filter(e -> !inFlight.contains(e.id())).limit(100).toList();
            int delivered;
            try {
                delivered = channel instanceof BatchDeliveryChannel batches ? deliverInBatches(batches, due) : deliverOneByOne(due);
            } finally {
                recordDelivered();
            }
            if (deliveredNotRecorded.isEmpty()) {
                queueFailures.succeeded();
            }
            return delivered;
        } catch (StoreException | IOException e) {
            queueFailures.failed(reason(e));
            pause();
            return 0;
        }
    }

    private void recordDeliveredQuietly() {
        try {
            recordDelivered();
        } catch (StoreException | IOException e) {
            queueFailures.failed("deliveries not recorded yet (" + reason(e) + ")");
        }
    }

    /** Without the database's or a file's path: these lines repeat while the outage lasts. */
    private static String reason(Exception e) {
        return e instanceof StoreException s ? s.reason() : StoreException.reasonOf((IOException) e);
    }

    private int deliverOneByOne(List<Outbox.Entry> due) throws StoreException, IOException {
        int delivered = 0;
        for (Outbox.Entry entry : due) {
            if (!running) {
                break;
            }
            Path file = files.resolve(entry.file());
            long started = System.nanoTime();
            try {
                channel.deliver(file, entry.targetPath());
                delivered(entry, file, System.nanoTime() - started);
                recordDelivered();
                delivered++;
            } catch (DeliveryException e) {
                if (e.permanent()) {
                    refused(entry, file, e.getMessage());
                } else {
                    metrics.failed("forward");
                    outbox.retryLater(entry, e.getMessage());
                    unavailable(e.getMessage(), Duration.ZERO);
                    break;
                }
            }
        }
        return delivered;
    }

    /** Batches cut by the channel's limits; after a batch that met a transient failure the round stops. */
    private int deliverInBatches(BatchDeliveryChannel batches, List<Outbox.Entry> due) throws StoreException, IOException {
        int delivered = 0;
        int next = 0;
        while (next < due.size() && running) {
            int size = batches.limits().firstBatchSize(due.subList(next, due.size()), e -> sizeOf(files.resolve(e.file())));
            List<Outbox.Entry> batch = due.subList(next, next + size);
            next += size;
            List<BatchDeliveryChannel.Item> items = batch.stream()
                    .map(e -> new BatchDeliveryChannel.Item(files.resolve(e.file()), e.targetPath())).toList();
            long started = System.nanoTime();
            List<BatchDeliveryChannel.Outcome> outcomes = batches.deliverAll(items);
            // each object is timed with its share of the request
            long share = (System.nanoTime() - started) / size;
            BatchDeliveryChannel.Outcome unavailable = null;
            for (int i = 0; i < size; i++) {
                Outbox.Entry entry = batch.get(i);
                BatchDeliveryChannel.Outcome outcome = outcomes.get(i);
                switch (outcome.result()) {
                    case DELIVERED -> {
                        delivered(entry, items.get(i).file(), share);
                        delivered++;
                    }
                    case PERMANENT_FAILURE -> refused(entry, items.get(i).file(), outcome.reason());
                    case TRANSIENT_FAILURE -> {
                        metrics.failed("forward");
                        outbox.retryLater(entry, outcome.reason());
                        unavailable = outcome;
                    }
                }
            }
            recordDelivered();
            if (unavailable != null) {
                unavailable(unavailable.reason(), unavailable.retryAfter());
                break;
            }
        }
        return delivered;
    }

    private void delivered(Outbox.Entry entry, Path file, long nanos) throws StoreException, IOException {
        metrics.forwarded(destination, nanos);
        if (failuresInARow > 0) {
            // back again: everything that waited for its own retry time goes now
            LOG.infof("destination %s reachable again after %d failed attempts", destination, failuresInARow);
            failuresInARow = 0;
            outbox.retryNow(destination);
        }
        deliveredNotRecorded.add(entry);
    }

    /**
     * A redoable commit (no fsync) per delivery: it survives kill -9, so a restarted gateway sends
     * again only what was in flight at that moment, not the last few dozen confirmed objects, which
     * a destination that keeps every copy (storescp +uf) would hold twice. A power cut may still take
     * the newest records: those objects are sent again, identically (at-least-once).
     */
    private void recordDelivered() throws StoreException, IOException {
        if (deliveredNotRecorded.isEmpty()) {
            return;
        }
        List<Outbox.Finished> finished = outbox.deliveredAll(deliveredNotRecorded);
        deliveredNotRecorded.clear();
        queueFailures.succeeded();
        for (Outbox.Finished f : finished) {
            recycler.retire(files.resolve(f.file()));
            if (originals != null && f.original() != null) {
                recycler.retire(originals.resolve(f.original()));
            }
        }
    }

    private void refused(Outbox.Entry entry, Path file, String reason) throws StoreException, IOException {
        metrics.failed("forward");
        LOG.warnf("destination %s refused an object for good: %s", destination, reason);
        outbox.dead(entry, reason);
    }

    /** The whole destination pauses: 1 s doubling up to 5 minutes, or longer if the peer asked for it. */
    private void unavailable(String reason, Duration retryAfter) {
        failuresInARow++;
        long pause = Math.min(Outbox.MAX_RETRY_MILLIS, Math.max(retryAfter.toMillis(),
                Outbox.FIRST_RETRY_MILLIS << Math.min(20, failuresInARow - 1)));
        pausedUntilMillis = System.currentTimeMillis() + pause;
        if (failuresInARow == 1 || Long.bitCount(failuresInARow) == 1) {
            // logged at the 1st, 2nd, 4th, 8th... failure, not at every attempt of a long outage
            LOG.infof("destination %s unavailable (%d attempts so far), next attempt in %d s: %s", destination,
                    failuresInARow, pause / 1000, reason);
        }
    }

    private static long sizeOf(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            return 0; // the channel reports the unreadable file as that object's outcome
        }
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
