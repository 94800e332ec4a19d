package org.deidgateway.receive;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;

/**
 * The socket's input with one deadline for a whole phase (the association request must arrive
 * whole within ARTIM), not only per read: otherwise a peer that sends one byte just before each
 * read times out would hold an association slot for ever. After {@link #clear} it is the plain
 * input again, under the idle timeout the caller sets.
 */
final class ArtimDeadline extends FilterInputStream {

    private final Socket socket;
    private long deadlineNanos;

    ArtimDeadline(Socket socket, InputStream in, Duration within) {
        super(in);
        this.socket = socket;
        this.deadlineNanos = System.nanoTime() + within.toNanos();
    }

    /** The phase is over: reads are bounded by the socket's own timeout from now on. */
    void clear() {
        deadlineNanos = Long.MAX_VALUE;
    }

    @Override
    public int read() throws IOException {
        beforeRead();
        return super.read();
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        beforeRead();
        return super.read(b, off, len);
    }

    private void beforeRead() throws IOException {
        if (deadlineNanos == Long.MAX_VALUE) {
            return;
        }
        long left = deadlineNanos - System.nanoTime();
        if (left <= 0) {
            throw new SocketTimeoutException("the association request did not arrive whole within ARTIM");
        }
        socket.setSoTimeout((int) Math.max(1, Math.min(Integer.MAX_VALUE, left / 1_000_000)));
    }
}
