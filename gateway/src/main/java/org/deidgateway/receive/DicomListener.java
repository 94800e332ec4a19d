package org.deidgateway.receive;

import org.deidgateway.metrics.GatewayMetrics;
import org.deidgateway.metrics.RepeatedFailure;
import org.deidgateway.net.PduEncoder;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The listening socket, a waiting room for new connections and a bounded pool of associations.
 * A connection takes an association slot only once it has sent something: until then it waits
 * in the {@link WaitingRoom}, so silent peers cannot starve real ones. A peer that speaks while
 * every slot is taken gets an A-ASSOCIATE-RJ (transient, local limit exceeded) instead of a
 * silent queue (on a TLS listener the connection is closed instead: the answer would need a
 * handshake first). A failure to accept (for example no file descriptor left) sheds the oldest
 * waiting connections and is retried, never fatal. A source address outside the allow-list is
 * closed at once; a TLS handshake runs on the association's own thread.
 */
public final class DicomListener implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(DicomListener.class);
    /**
     * Connections the kernel completes before we accept them. They cost no descriptor of ours; a
     * short queue under a burst means dropped handshakes that a PACS retries only a second later.
     * Linux caps it at net.core.somaxconn (4096 by default since 5.4).
     */
    private static final int BACKLOG = 1024;
    /** Short: the waiting room frees descriptors within a millisecond of being asked to. */
    private static final long ACCEPT_RETRY_MILLIS = 10;
    /**
     * Under a flood accepts fail and succeed in turn many times a second: the outage is over only
     * after this long without a failed accept, or its log line would repeat with every success.
     */
    private static final Duration ACCEPTING_AGAIN_AFTER = Duration.ofSeconds(10);

    private static final long REFUSAL_LOG_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(10);
    /** Touched by the accepting thread only. */
    private long lastRefusalLoggedNanos;
    private long refusalsNotLogged;
    private final ReceiverSettings settings;
    private final StoreService storage;
    private final GatewayMetrics metrics;
    private final ServerSocketChannel server;
    private final WaitingRoom waitingRoom;
    private final ExecutorService associations;
    /** Associations being served; the pool's threads are not the bound, this count is. */
    private final AtomicInteger active = new AtomicInteger();
    private final Thread acceptor;
    private volatile boolean running = true;

    private DicomListener(ReceiverSettings settings, StoreService storage, GatewayMetrics metrics, ServerSocketChannel server)
            throws IOException {
        this.settings = settings;
        this.storage = storage;
        this.metrics = metrics;
        this.server = server;
        this.waitingRoom = new WaitingRoom(settings.maxWaitingConnections(), settings.artim(), this::handOff, metrics);
        AtomicInteger n = new AtomicInteger();
        this.associations = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 60, TimeUnit.SECONDS, new SynchronousQueue<>(), r -> {
            Thread t = new Thread(r, "dicom-association-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.acceptor = new Thread(this::acceptLoop, "dicom-listener");
        this.acceptor.setDaemon(true);
    }

    /** A receiver that answers C-ECHO only. */
    public static DicomListener start(ReceiverSettings settings) throws IOException {
        return start(settings, null);
    }

    /** A receiver that also stores, through {@code storage} (null: C-ECHO only). */
    public static DicomListener start(ReceiverSettings settings, StoreService storage) throws IOException {
        return start(settings, storage, GatewayMetrics.inMemory());
    }

    /** As above, counting refused connections and failed accepts in {@code metrics}. */
    public static DicomListener start(ReceiverSettings settings, StoreService storage, GatewayMetrics metrics)
            throws IOException {
        warnIfFewDescriptors(settings);
        ServerSocketChannel server = ServerSocketChannel.open();
        try {
            server.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            server.bind(new InetSocketAddress(InetAddress.getByName(settings.bindAddress()), settings.port()), BACKLOG);
        } catch (IOException e) {
            server.close();
            throw e;
        }
        DicomListener listener = new DicomListener(settings, storage, metrics, server);
        metrics.gauge("deid.dicom.connections.waiting", "new connections that have not sent anything yet",
                listener.waitingRoom::size);
        metrics.gauge("deid.dicom.associations.active", "associations being served", listener.active::get);
        listener.waitingRoom.start();
        listener.acceptor.start();
        return listener;
    }

    public int port() {
        return server.socket().getLocalPort();
    }

    public boolean listening() {
        return running && server.isOpen() && acceptor.isAlive() && waitingRoom.running();
    }

    private void acceptLoop() {
        RepeatedFailure failures = new RepeatedFailure(LOG, Logger.Level.WARN, "cannot accept DICOM connections",
                "still failing to accept DICOM connections at times", "accepting DICOM connections again",
                ACCEPTING_AGAIN_AFTER);
        while (running) {
            SocketChannel channel;
            try {
                channel = server.accept();
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                if (!running) {
                    return;
                }
                // typically "too many open files": free some descriptors, back off, keep listening
                metrics.acceptFailed();
                failures.failed((e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage())
                        + "; closing the oldest silent connections and retrying");
                waitingRoom.shed();
                sleepQuietly(ACCEPT_RETRY_MILLIS);
                continue;
            }
            failures.succeeded();
            if (!admitsSource(channel)) {
                closeQuietly(channel);
                continue;
            }
            waitingRoom.admit(channel);
        }
    }

    /** Whether the peer's address is in dicom.allowed-source-addresses; decided without waiting on the peer. */
    private boolean admitsSource(SocketChannel channel) {
        InetAddress source;
        try {
            source = ((InetSocketAddress) channel.getRemoteAddress()).getAddress();
        } catch (IOException | RuntimeException e) {
            return false;
        }
        if (settings.allowedSources().admits(source)) {
            return true;
        }
        metrics.connectionDropped("source-address");
        // a scan from outside the allow-list must not flood the log: one line per 10 s, with the count
        long now = System.nanoTime();
        if (now - lastRefusalLoggedNanos >= REFUSAL_LOG_INTERVAL_NANOS || lastRefusalLoggedNanos == 0) {
            LOG.infof("refused a connection from %s: not in dicom.allowed-source-addresses%s", source.getHostAddress(),
                    refusalsNotLogged == 0 ? "" : " (" + refusalsNotLogged + " more refused since the last such line)");
            lastRefusalLoggedNanos = now;
            refusalsNotLogged = 0;
        } else {
            refusalsNotLogged++;
        }
        return false;
    }

    /** Called by the waiting room for a connection that has sent something; the channel is still non-blocking. */
    private void handOff(SocketChannel channel) {
        if (active.incrementAndGet() > settings.maxAssociations()) {
            active.decrementAndGet();
            metrics.connectionDropped("busy");
            rejectBusy(channel);
            return;
        }
        try {
            channel.configureBlocking(true);
            // the plain blocking socket the association is served on (and TLS may be layered on)
            Socket socket = channel.socket();
            associations.execute(() -> {
                try {
                    new AssociationHandler(socket, settings, storage).run();
                } finally {
                    active.decrementAndGet();
                }
            });
        } catch (IOException | RuntimeException e) {
            active.decrementAndGet();
            closeQuietly(channel);
            if (running) {
                LOG.errorf("cannot start serving a connection: %s", e.toString());
            }
        }
    }

    /**
     * Answers A-ASSOCIATE-RJ (transient, local limit exceeded). What the peer already sent is read
     * first: closing with unread input would reset the connection and could destroy the answer.
     */
    private void rejectBusy(SocketChannel channel) {
        try (channel) {
            ByteBuffer sink = ByteBuffer.allocate(16 * 1024);
            for (int i = 0; i < 4 && channel.read(sink.clear()) > 0; i++) {
                // at most 64 KiB, the largest association request we take
            }
            if (settings.tls() != null) {
                // an A-ASSOCIATE-RJ would need a TLS handshake first, which this thread must not wait for
                return;
            }
            channel.write(ByteBuffer.wrap(PduEncoder.associateReject(2, 3, 2)));
        } catch (IOException ignored) {
            // the peer is told by the closed connection instead
        }
    }

    /**
     * Warns at start when the process may run out of descriptors before the configured limits are
     * reached: each waiting connection holds one, each association up to three (its socket, its
     * spool file, and the file read back), and the process itself about 70 (jars, database, logs).
     */
    private static void warnIfFewDescriptors(ReceiverSettings settings) {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.UnixOperatingSystemMXBean os) {
            long limit = os.getMaxFileDescriptorCount();
            long wanted = settings.maxWaitingConnections() + 3L * settings.maxAssociations() + 100;
            if (limit < wanted) {
                LOG.warnf("the open-file limit (%d) is below what %d waiting connections and %d associations may need"
                        + " (about %d); raise it (ulimit -n, systemd LimitNOFILE) or lower dicom.max-waiting-connections."
                        + " When descriptors run out, the oldest waiting connections are closed", limit,
                        settings.maxWaitingConnections(), settings.maxAssociations(), wanted);
            }
        }
    }

    private static void closeQuietly(SocketChannel channel) {
        try {
            channel.close();
        } catch (IOException ignored) {
            // the descriptor is released all the same
        }
    }

    private static void sleepQuietly(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        running = false;
        try {
            server.close();
        } catch (IOException ignored) {
            // closing a listening socket; nothing to keep
        }
        waitingRoom.close();
        associations.shutdownNow();
    }
}
