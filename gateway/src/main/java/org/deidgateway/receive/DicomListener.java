package org.deidgateway.receive;

import org.deidgateway.net.PduEncoder;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The listening socket and a bounded pool of associations. Beyond the maximum a new peer gets an
 * A-ASSOCIATE-RJ (transient, local limit exceeded) instead of a silent queue; a failure to accept
 * (for example no file descriptors left) is waited out, never fatal. The accept loop does nothing
 * that waits on a peer: a source address outside the allow-list is closed at once, and a TLS
 * handshake runs on the association's own thread.
 */
public final class DicomListener implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(DicomListener.class);

    private final ReceiverSettings settings;
    private final StoreService storage;
    private final ServerSocket server;
    private final ExecutorService associations;
    private final Thread acceptor;
    private volatile boolean running = true;

    private DicomListener(ReceiverSettings settings, StoreService storage, ServerSocket server) {
        this.settings = settings;
        this.storage = storage;
        this.server = server;
        AtomicInteger n = new AtomicInteger();
        this.associations = new ThreadPoolExecutor(0, settings.maxAssociations(), 60, TimeUnit.SECONDS,
                new SynchronousQueue<>(), r -> {
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
        ServerSocket server = new ServerSocket();
        server.setReuseAddress(true);
        server.bind(new InetSocketAddress(InetAddress.getByName(settings.bindAddress()), settings.port()), 128);
        DicomListener listener = new DicomListener(settings, storage, server);
        listener.acceptor.start();
        return listener;
    }

    public int port() {
        return server.getLocalPort();
    }

    public boolean listening() {
        return running && !server.isClosed() && acceptor.isAlive();
    }

    private void acceptLoop() {
        while (running) {
            Socket socket;
            try {
                socket = server.accept();
            } catch (IOException e) {
                if (!running) {
                    return;
                }
                // typically "too many open files": back off and keep listening
                LOG.warnf("cannot accept a connection (%s); retrying", e.getMessage());
                sleepQuietly(100);
                continue;
            }
            InetAddress source = socket.getInetAddress();
            if (!settings.allowedSources().admits(source)) {
                LOG.infof("refused a connection from %s: not in dicom.allowed-source-addresses", source.getHostAddress());
                closeQuietly(socket);
                continue;
            }
            try {
                associations.execute(new AssociationHandler(socket, settings, storage));
            } catch (RejectedExecutionException e) {
                rejectBusy(socket);
            }
        }
    }

    private void rejectBusy(Socket socket) {
        if (settings.tls() != null) {
            // an A-ASSOCIATE-RJ would need a handshake first, which this thread must not wait for
            LOG.infof("refused a TLS connection from %s: all %d associations in use", socket.getInetAddress().getHostAddress(),
                    settings.maxAssociations());
            closeQuietly(socket);
            return;
        }
        try (socket) {
            socket.setSoTimeout(1000);
            socket.getOutputStream().write(PduEncoder.associateReject(2, 3, 2));
            socket.getOutputStream().flush();
        } catch (IOException ignored) {
            // the peer is told by the closed connection instead
        }
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException ignored) {
            // nothing was exchanged; the peer sees the connection end
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
        associations.shutdownNow();
    }
}
