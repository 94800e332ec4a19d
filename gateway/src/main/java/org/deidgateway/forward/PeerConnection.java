package org.deidgateway.forward;

import org.deidgateway.tls.HandshakeFailure;
import org.deidgateway.tls.TlsSockets;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;

/**
 * The connection under an association: TCP to the destination, then TLS when the destination asks
 * for it. {@code socket} carries the DICOM bytes (the TLS socket, or the plain one); {@code plain}
 * is the TCP connection itself, which deadlines close. Failures come worded and classified for
 * the queue: nothing here is the object's fault.
 */
record PeerConnection(Socket socket, Socket plain) {

    static PeerConnection open(Destination destination) throws ForwardException {
        Socket plain = new Socket();
        try {
            plain.setTcpNoDelay(true);
            plain.setSoTimeout((int) Math.min(Integer.MAX_VALUE, destination.responseTimeout().toMillis()));
            plain.connect(new InetSocketAddress(destination.host(), destination.port()),
                    (int) Math.min(Integer.MAX_VALUE, destination.connectTimeout().toMillis()));
        } catch (IOException e) {
            closeQuietly(plain);
            throw connectFailure(destination, e);
        }
        if (destination.tls() == null) {
            return new PeerConnection(plain, plain);
        }
        try {
            return new PeerConnection(TlsSockets.connect(destination.tls(), plain, destination.host(), destination.port(),
                    destination.responseTimeout()), plain);
        } catch (IOException e) {
            closeQuietly(plain);
            throw tlsFailure(destination, e);
        }
    }

    /**
     * A failed TLS handshake, or a TLS alert after it (TLS 1.3 finishes the client's handshake
     * before the server has checked its certificate). Configuration errors refuse the association
     * as a whole, so the queue keeps the objects and retries the destination later.
     */
    static ForwardException tlsFailure(Destination destination, IOException e) {
        HandshakeFailure failure = HandshakeFailure.of(e);
        String message = destination.address() + ": TLS handshake failed: " + failure.description();
        if (failure.configurationError()) {
            return ForwardException.configurationError(message + ". This is a configuration error, not a fault of the object",
                    e);
        }
        return new ForwardException(message, false, e);
    }

    private static ForwardException connectFailure(Destination destination, IOException e) {
        String why;
        if (e instanceof ConnectException) {
            why = "connection refused (nothing listening?)";
        } else if (e instanceof SocketTimeoutException) {
            why = "no connection within " + destination.connectTimeout().toSeconds() + " s";
        } else if (e instanceof UnknownHostException) {
            why = "unknown host";
        } else {
            why = e.getMessage();
        }
        return new ForwardException("cannot connect to " + destination.address() + ": " + why, false, e);
    }

    static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException ignored) {
            // nothing to keep
        }
    }
}
