package org.deidgateway.forward;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * A socket's output with a time limit per write. Java sockets have a read timeout but none for
 * writing: a peer that stops reading while we send a large data set would block the sender for
 * ever once the TCP buffers are full. Closing the socket from a timer is the only way out. Over
 * TLS it is the plain socket under the TLS one that is closed: closing the TLS socket would wait
 * for the blocked write to finish before it could send its closing alert.
 */
final class WriteDeadline extends FilterOutputStream {

    /**
     * How often the watchdog looks at the writes in progress. A timer task per write (schedule and
     * cancel for every PDU, dozens per object) cost the sender more than the check is worth; a
     * write is now stamped with its start, and one thread closes the sockets whose write has run
     * past its limit (within this interval of it).
     */
    private static final long CHECK_EVERY_MILLIS = 250;
    private static final Set<WriteDeadline> WATCHED = ConcurrentHashMap.newKeySet();
    private static final Thread WATCHDOG = watchdog();

    private final Socket socket;
    private final long timeoutNanos;
    private volatile boolean expired;
    /** When the write in progress began (System.nanoTime), 0 when none is. */
    private volatile long writingSince;

    WriteDeadline(Socket socket, long timeoutMillis) throws IOException {
        this(socket, socket, timeoutMillis);
    }

    /** Writes to {@code socket}; on expiry closes {@code closeOnExpiry} (the plain socket under a TLS one). */
    WriteDeadline(Socket socket, Socket closeOnExpiry, long timeoutMillis) throws IOException {
        super(socket.getOutputStream());
        this.socket = closeOnExpiry;
        this.timeoutNanos = TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
    }

    /** Whether a write failed because the peer did not take the bytes in time. */
    boolean expired() {
        return expired;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        WATCHED.add(this);
        writingSince = Math.max(1, System.nanoTime());
        try {
            out.write(b, off, len);
        } finally {
            writingSince = 0;
            if (socket.isClosed()) {
                WATCHED.remove(this);
            }
        }
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void close() throws IOException {
        // the socket is closed by its owner; closing it here would hide who ended the association
        WATCHED.remove(this);
        flush();
    }

    private void checkAt(long now) {
        long since = writingSince;
        if (socket.isClosed()) {
            WATCHED.remove(this);
        } else if (since != 0 && now - since > timeoutNanos) {
            expired = true;
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing is what we wanted; the blocked write fails either way
            }
            WATCHED.remove(this);
        }
    }

    private static Thread watchdog() {
        Thread t = new Thread(() -> {
            while (true) {
                try {
                    Thread.sleep(CHECK_EVERY_MILLIS);
                } catch (InterruptedException e) {
                    return;
                }
                long now = System.nanoTime();
                for (WriteDeadline w : WATCHED) {
                    w.checkAt(now);
                }
            }
        }, "dicom-write-deadline");
        t.setDaemon(true);
        t.start();
        return t;
    }
}
