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
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Consumer;

/**
 * New connections wait here, all on one selector thread, until they have sent something or their
 * ARTIM time is up: a peer that connects and stays silent costs a descriptor, not a worker or an
 * association slot. The room is bounded; when it is full, or when descriptors run out, the oldest
 * waiting connections are closed first, because a real peer sends its association request within
 * milliseconds of connecting and so is almost never the oldest. Nothing is read here: the worker
 * gets the connection with every byte unread, so that a TLS handshake can be layered on it there.
 */
final class WaitingRoom implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(WaitingRoom.class);
    /** When descriptors run out, at least this many waiting connections are closed (or a quarter, if more). */
    private static final int MIN_SHED = 16;

    private final int capacity;
    private final long artimNanos;
    private final Consumer<SocketChannel> handOff;
    private final GatewayMetrics metrics;
    private final Selector selector;
    private final Queue<SocketChannel> arrivals = new ConcurrentLinkedQueue<>();
    /** Oldest first, which is also the order of their deadlines. Touched by the room's thread only. */
    private final LinkedHashSet<Waiting> waiting = new LinkedHashSet<>();
    private final Thread thread;
    private volatile boolean open = true;
    private volatile boolean shedRequested;
    private volatile int size;
    /** The bound in force: the capacity, or less once descriptors ran out, until the room is empty again. */
    private int limit;
    private boolean evictionLogged;

    private record Waiting(SocketChannel channel, long deadline) {
    }

    /** {@code handOff} receives each connection that has data, deregistered and still non-blocking. */
    WaitingRoom(int capacity, Duration artim, Consumer<SocketChannel> handOff, GatewayMetrics metrics) throws IOException {
        this.capacity = capacity;
        this.limit = capacity;
        this.artimNanos = artim.toNanos();
        this.handOff = handOff;
        this.metrics = metrics;
        this.selector = Selector.open();
        this.thread = new Thread(this::run, "dicom-waiting-room");
        this.thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    /** Takes a freshly accepted connection; called by the accepting thread. */
    void admit(SocketChannel channel) {
        arrivals.add(channel);
        selector.wakeup();
        if (!open) {
            drainArrivals();
        }
    }

    /**
     * Descriptors ran out: closes the oldest waiting connections and holds fewer until the room
     * has emptied, so that the ones freed go to new peers and to the associations' files rather
     * than straight back to the flood. Called by the accepting thread.
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
        List<Waiting> ready = new ArrayList<>();
        try {
            while (open) {
                selector.select(key -> ready(key, ready), millisToNextDeadline());
                admitArrivals();
                if (shedRequested) {
                    shedRequested = false;
                    shedOldest();
                }
                expire();
                while (!ready.isEmpty()) {
                    List<Waiting> batch = new ArrayList<>(ready);
                    ready.clear();
                    // the batch's keys are cancelled; a selection deregisters them, which blocking mode needs
                    selector.selectNow(key -> ready(key, ready));
                    batch.forEach(this::handOff);
                }
                if (waiting.isEmpty()) {
                    evictionLogged = false;
                    if (limit < capacity) {
                        limit = capacity;
                        LOG.infof("no new connection waiting: up to %d may wait again", capacity);
                    }
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

    private void ready(SelectionKey key, List<Waiting> ready) {
        Waiting w = (Waiting) key.attachment();
        key.cancel();
        if (waiting.remove(w)) {
            ready.add(w);
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

    private void admitArrivals() {
        long deadline = System.nanoTime() + artimNanos;
        for (SocketChannel channel; (channel = arrivals.poll()) != null; ) {
            if (waiting.size() >= limit && !evictionLogged) {
                evictionLogged = true;
                LOG.warnf("%d new connections wait without sending anything: closing the oldest to admit new ones (logged"
                        + " once until none is left)", limit);
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

    private void shedOldest() {
        int n = waiting.size();
        if (n == 0) {
            return;
        }
        int newLimit = Math.max(1, n - Math.max(MIN_SHED, n / 4));
        if (limit == capacity) {
            evictionLogged = true;
            LOG.warnf("descriptors ran out with %d new connections waiting: closing the oldest; at most %d wait until none"
                    + " is left", n, newLimit);
        }
        limit = Math.min(limit, newLimit);
        while (waiting.size() > limit) {
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
