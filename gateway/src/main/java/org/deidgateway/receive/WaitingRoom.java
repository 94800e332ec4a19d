package org.deidgateway.receive;

import org.deidgateway.metrics.GatewayMetrics;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * New connections wait here, all on one selector thread, until they have sent something or their
 * ARTIM time is up: a peer that connects and stays silent costs a descriptor, not a worker or an
 * association slot. The room is bounded; when it is full, or when descriptors run out, the oldest
 * silent connections are closed first, because a real peer sends its association request within
 * milliseconds of connecting and so is almost never the oldest (and the room looks for who has
 * spoken right before it closes anyone). Nothing is read here: the worker
 * gets the connection with every byte unread, so that a TLS handshake can be layered on it there.
 */
final class WaitingRoom implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(WaitingRoom.class);
    /** When descriptors run out, at least this many waiting connections are closed (or a quarter, if more). */
    private static final int MIN_SHED = 16;
    /**
     * Running out of descriptors lowers the bound, but not below this: the smaller the room, the
     * sooner a flood makes a real peer the oldest before it has had time to send its request.
     */
    private static final int MIN_LIMIT = 64;
    /**
     * Accepted connections not yet in the room. The accepting thread waits beyond it, so that a
     * flood queues in the kernel's backlog, which costs no descriptor, rather than here.
     */
    private static final int MAX_ARRIVALS = 64;
    /**
     * Arrivals taken in between two waits on the selector (at most half the bound), so that a flood
     * of arrivals does not delay handing off the peers that have spoken.
     */
    private static final int ARRIVALS_PER_LOOK = 32;
    private static final long LOG_INTERVAL_NANOS = TimeUnit.MINUTES.toNanos(1);

    private final int capacity;
    private final long artimNanos;
    /** How long descriptors must suffice before the full capacity is restored: one ARTIM period, at least 10 s. */
    private final long restoreAfterNanos;
    private final Consumer<SocketChannel> handOff;
    private final GatewayMetrics metrics;
    private final Selector selector;
    private final BlockingQueue<SocketChannel> arrivals = new ArrayBlockingQueue<>(MAX_ARRIVALS);
    /** Oldest first, which is also the order of their deadlines. Touched by the room's thread only. */
    private final LinkedHashSet<Waiting> waiting = new LinkedHashSet<>();
    private final Thread thread;
    private volatile boolean open = true;
    private volatile boolean shedRequested;
    private volatile int size;
    /** The bound in force: the capacity, or less after descriptors ran out, until they suffice again for a while. */
    private int limit;
    private long lastShed;
    private long lastEvictionLogged;

    /** Connections that have sent something, taken out of the room and not yet handed off. */
    private final List<Waiting> speakers = new ArrayList<>();

    private record Waiting(SocketChannel channel, long deadline) {
    }

    /** {@code handOff} receives each connection that has data, deregistered and still non-blocking. */
    WaitingRoom(int capacity, Duration artim, Consumer<SocketChannel> handOff, GatewayMetrics metrics) throws IOException {
        this.capacity = capacity;
        this.limit = capacity;
        this.artimNanos = artim.toNanos();
        this.restoreAfterNanos = Math.max(artimNanos, TimeUnit.SECONDS.toNanos(10));
        this.lastEvictionLogged = System.nanoTime() - LOG_INTERVAL_NANOS;
        this.handOff = handOff;
        this.metrics = metrics;
        this.selector = Selector.open();
        this.thread = new Thread(this::run, "dicom-waiting-room");
        this.thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    /** Takes a freshly accepted connection; called by the accepting thread, which waits while many are on their way in. */
    void admit(SocketChannel channel) {
        boolean queued = false;
        try {
            while (open && !(queued = arrivals.offer(channel, 100, TimeUnit.MILLISECONDS))) {
                selector.wakeup();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        selector.wakeup();
        if (!queued) {
            closeQuietly(channel);
        }
        if (!open) {
            drainArrivals();
        }
    }

    /**
     * Descriptors ran out: closes the oldest waiting connections and holds fewer until descriptors
     * have sufficed for a while, so that the ones freed go to new peers and to the associations'
     * files rather than straight back to the flood. Called by the accepting thread.
     */
    void shed() {
        shedRequested = true;
        selector.wakeup();
    }

    /** How many connections wait (for the gauge). */
    int size() {
        return size;
    }

    boolean running() {
        return open && thread.isAlive();
    }

    private void run() {
        try {
            while (open) {
                if (arrivals.isEmpty()) {
                    selector.select(this::spoke, millisToNextDeadline());
                } else {
                    listen();
                }
                admitArrivals();
                if (shedRequested) {
                    shedRequested = false;
                    shedOldest();
                }
                expire();
                while (!speakers.isEmpty()) {
                    List<Waiting> batch = new ArrayList<>(speakers);
                    speakers.clear();
                    // the batch's keys are cancelled; a selection deregisters them, which blocking mode needs
                    listen();
                    batch.forEach(this::handOff);
                }
                if (limit < capacity && System.nanoTime() - lastShed >= restoreAfterNanos) {
                    limit = capacity;
                    LOG.infof("descriptors sufficed for %d s: up to %d new connections may wait again",
                            TimeUnit.NANOSECONDS.toSeconds(restoreAfterNanos), capacity);
                }
                size = waiting.size();
            }
        } catch (IOException | ClosedSelectorException e) {
            if (open) {
                LOG.errorf("new DICOM connections can no longer be watched: %s", e.getMessage());
            }
        } finally {
            open = false;
            waiting.forEach(w -> closeQuietly(w.channel()));
            waiting.clear();
            size = 0;
            drainArrivals();
            try {
                selector.close();
            } catch (IOException ignored) {
                // nothing left to watch
            }
        }
    }

    /** Moves the connections that have sent something since the last look out of the room, without waiting. */
    private void listen() throws IOException {
        selector.selectNow(this::spoke);
    }

    private void spoke(SelectionKey key) {
        Waiting w = (Waiting) key.attachment();
        key.cancel();
        if (waiting.remove(w)) {
            speakers.add(w);
        }
    }

    private void handOff(Waiting w) {
        try {
            handOff.accept(w.channel());
        } catch (RuntimeException e) {
            LOG.errorf("cannot hand a connection to a worker: %s", e.toString());
            closeQuietly(w.channel());
        }
    }

    private void admitArrivals() throws IOException {
        long deadline = System.nanoTime() + artimNanos;
        SocketChannel channel;
        int taken = Math.max(1, Math.min(ARRIVALS_PER_LOOK, limit / 2));
        for (int i = 0; i < taken && (channel = arrivals.poll()) != null; i++) {
            if (waiting.size() >= limit && System.nanoTime() - lastEvictionLogged >= LOG_INTERVAL_NANOS) {
                lastEvictionLogged = System.nanoTime();
                LOG.warnf("%d new connections wait without sending anything: closing the oldest to admit new ones (logged"
                        + " at most once a minute)", limit);
            }
            if (waiting.size() >= limit) {
                // a peer that has just spoken is no longer silent: look before closing the oldest
                listen();
            }
            while (waiting.size() >= limit) {
                evictOldest();
            }
            try {
                channel.configureBlocking(false);
                Waiting w = new Waiting(channel, deadline);
                channel.register(selector, SelectionKey.OP_READ, w);
                waiting.add(w);
            } catch (IOException e) {
                closeQuietly(channel);
            }
        }
    }

    /** Closes the connections silent since their deadline; they are oldest first, so the scan stops at the first one in time. */
    private void expire() {
        long now = System.nanoTime();
        for (Iterator<Waiting> it = waiting.iterator(); it.hasNext(); ) {
            Waiting w = it.next();
            if (w.deadline() - now > 0) {
                return;
            }
            it.remove();
            closeQuietly(w.channel());
            metrics.connectionDropped("artim");
        }
    }

    private void shedOldest() throws IOException {
        listen();
        int n = waiting.size();
        if (n == 0) {
            return;
        }
        int newLimit = Math.max(Math.min(capacity, MIN_LIMIT), n - Math.max(MIN_SHED, n / 4));
        if (limit == capacity) {
            LOG.warnf("descriptors ran out with %d new connections waiting: closing the oldest; at most %d wait until"
                    + " descriptors suffice again for %d s", n, Math.min(limit, newLimit),
                    TimeUnit.NANOSECONDS.toSeconds(restoreAfterNanos));
        }
        lastShed = System.nanoTime();
        limit = Math.min(limit, newLimit);
        // at the floor the bound stays, but descriptors must still be freed for the accept to succeed
        for (int shed = Math.max(n - limit, Math.min(n, MIN_SHED)); shed > 0; shed--) {
            evictOldest();
        }
    }

    private void evictOldest() {
        Iterator<Waiting> it = waiting.iterator();
        Waiting oldest = it.next();
        it.remove();
        closeQuietly(oldest.channel());
        metrics.connectionDropped("evicted");
    }

    private long millisToNextDeadline() {
        if (waiting.isEmpty()) {
            return 0; // wait until woken
        }
        long nanos = waiting.iterator().next().deadline() - System.nanoTime();
        return Math.max(1, (nanos + 999_999) / 1_000_000);
    }

    private void drainArrivals() {
        for (SocketChannel channel; (channel = arrivals.poll()) != null; ) {
            closeQuietly(channel);
        }
    }

    private static void closeQuietly(SocketChannel channel) {
        try {
            channel.close();
        } catch (IOException ignored) {
            // the descriptor is released all the same
        }
    }

    @Override
    public void close() {
        open = false;
        selector.wakeup();
        try {
            thread.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
