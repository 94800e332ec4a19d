package org.deidgateway.forward;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * A socket's output with a time limit per write. Java sockets have a read timeout but none for
 * writing: a peer that stops reading while we send a large data set would block the sender for
 * ever once the TCP buffers are full. Closing the socket from a timer is the only way out. Over
 * TLS it is the plain socket under the TLS one that is closed: closing the TLS socket would wait
 * for the blocked write to finish before it could send its closing alert.
 */
final class WriteDeadline extends FilterOutputStream {

    private static final ScheduledThreadPoolExecutor TIMER = timer();

    private final Socket socket;
    private final long timeoutMillis;
    private volatile boolean expired;

    WriteDeadline(Socket socket, long timeoutMillis) throws IOException {
        this(socket, socket, timeoutMillis);
    }

    /** Writes to {@code socket}; on expiry closes {@code closeOnExpiry} (the plain socket under a TLS one). */
    WriteDeadline(Socket socket, Socket closeOnExpiry, long timeoutMillis) throws IOException {
        super(socket.getOutputStream());
        this.socket = closeOnExpiry;
        this.timeoutMillis = timeoutMillis;
    }

    /** Whether a write failed because the peer did not take the bytes in time. */
    boolean expired() {
        return expired;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        ScheduledFuture<?> alarm = TIMER.schedule(this::expire, timeoutMillis, TimeUnit.MILLISECONDS);
        try {
            out.write(b, off, len);
        } finally {
            alarm.cancel(false);
        }
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void close() throws IOException {
        // the socket is closed by its owner; closing it here would hide who ended the association
        flush();
    }

    private void expire() {
        expired = true;
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing is what we wanted; the blocked write fails either way
        }
    }

    private static ScheduledThreadPoolExecutor timer() {
        ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "dicom-write-deadline");
            t.setDaemon(true);
            return t;
        });
        // most alarms are cancelled: without this each would wait in the queue for its full timeout
        timer.setRemoveOnCancelPolicy(true);
        return timer;
    }
}
