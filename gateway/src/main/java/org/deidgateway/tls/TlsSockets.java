package org.deidgateway.tls;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import java.io.IOException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * TLS layered over a socket that is already connected or accepted, so that the caller keeps the
 * plain socket: the listener accepts and filters on its own thread and leaves the handshake to the
 * association's thread, and a deadline can close the plain socket, which unblocks a handshake or
 * a write that closing the TLS socket would wait behind. The handshake has one overall deadline,
 * not only a per-read timeout: a peer that trickles one byte at a time cannot stretch it.
 */
public final class TlsSockets {

    private static final ScheduledThreadPoolExecutor TIMER = timer();

    private TlsSockets() {
    }

    /** The server side of an accepted connection, handshaken; closing the result closes {@code accepted}. */
    public static SSLSocket accept(SSLContext context, boolean requireClientCertificate, Socket accepted, Duration limit)
            throws IOException {
        SSLSocket tls = (SSLSocket) context.getSocketFactory().createSocket(accepted, null, true);
        TlsPolicy.applyServer(tls, context, requireClientCertificate);
        handshake(tls, accepted, limit);
        return tls;
    }

    /**
     * The client side of a connection to {@code host}, handshaken and the peer verified, its
     * certificate required to name {@code host}; closing the result closes {@code connected}.
     */
    public static SSLSocket connect(SSLContext context, Socket connected, String host, int port, Duration limit)
            throws IOException {
        SSLSocket tls = (SSLSocket) context.getSocketFactory().createSocket(connected, host, port, true);
        TlsPolicy.applyClient(tls, context);
        ClientCertificateRequests.reset();
        try {
            handshake(tls, connected, limit);
        } catch (IOException e) {
            ClientCertificateRequests.Request request = ClientCertificateRequests.last();
            if (request != ClientCertificateRequests.Request.NONE && connectionBroke(e)) {
                throw new ClientCertificateRequests.Refused(request == ClientCertificateRequests.Request.ANSWERED, e);
            }
            throw e;
        } finally {
            ClientCertificateRequests.reset();
        }
        return tls;
    }

    private static void handshake(SSLSocket tls, Socket plain, Duration limit) throws IOException {
        AtomicBoolean expired = new AtomicBoolean();
        ScheduledFuture<?> alarm = TIMER.schedule(() -> {
            expired.set(true);
            closeQuietly(plain);
        }, limit.toMillis(), TimeUnit.MILLISECONDS);
        try {
            tls.startHandshake();
        } catch (IOException e) {
            if (expired.get()) {
                throw timedOut(limit, e);
            }
            throw e;
        } finally {
            alarm.cancel(false);
        }
        if (expired.get()) {
            throw timedOut(limit, null);
        }
    }

    /** A broken or closed connection, rather than a verdict the handshake reported in its own words. */
    private static boolean connectionBroke(IOException e) {
        String message = String.valueOf(e.getMessage());
        if (e instanceof SocketTimeoutException || message.contains("Received fatal alert")) {
            return false;
        }
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof UntrustedCertificateException) {
                return false;
            }
        }
        return e instanceof java.net.SocketException || e instanceof java.io.EOFException
                || e.getCause() instanceof java.net.SocketException || e.getCause() instanceof java.io.EOFException
                || message.contains("terminated the handshake");
    }

    private static SocketTimeoutException timedOut(Duration limit, IOException cause) {
        SocketTimeoutException e = new SocketTimeoutException("no TLS handshake within " + limit.toSeconds() + " s");
        e.initCause(cause);
        return e;
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing is the point; the handshake fails either way
        }
    }

    private static ScheduledThreadPoolExecutor timer() {
        ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "tls-handshake-deadline");
            t.setDaemon(true);
            return t;
        });
        timer.setRemoveOnCancelPolicy(true);
        return timer;
    }
}
