package org.deidgateway.forward;

import org.deidgateway.net.Abort;
import org.deidgateway.net.AssociateAccept;
import org.deidgateway.net.AssociateReject;
import org.deidgateway.net.AssociateRequest.ProposedContext;
import org.deidgateway.net.AssociateRequestEncoder;
import org.deidgateway.net.DimseCommand;
import org.deidgateway.net.PDataWriter;
import org.deidgateway.net.Pdu;
import org.deidgateway.net.PduEncoder;
import org.deidgateway.net.PduEncoder.AcceptedContext;
import org.deidgateway.net.PresentationDataValue;
import org.deidgateway.net.ProtocolException;
import org.deidgateway.tls.HandshakeFailure;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.List;

/**
 * One association we requested, from the A-ASSOCIATE-RQ to the release or abort. Any failure
 * ends it (with an A-ABORT when the peer may still listen), because after a half-sent message
 * neither side knows where the other stands; {@link #isOpen()} then turns false. Over TLS the
 * handshake comes between connecting and the request; only an orderly release closes the TLS
 * session with its closing alert, every other end closes the plain connection under it, which
 * cannot block on a peer that stopped reading.
 */
public final class Association implements AutoCloseable {

    /** What we announce for responses: they are small, but the peer may fragment as it likes. */
    public static final int OUR_MAX_PDU_LENGTH = 256 * 1024;
    /** Our own cap on what we send, also used when the peer announces 0 (no limit). */
    public static final int SEND_CAP = 256 * 1024;
    private static final int MAX_ACCEPT_LENGTH = 256 * 1024;
    private static final int MAX_RESPONSE_LENGTH = 64 * 1024;
    private static final long IDLE_CHECK_AFTER_NANOS = 1_000_000_000L;

    private final Destination destination;
    /** What DICOM is read from and written to: the TLS socket, or the plain one. */
    private final Socket socket;
    /** The TCP connection itself. */
    private final Socket plain;
    private final InputStream in;
    private final WriteDeadline out;
    private AssociateAccept accept;
    private PDataWriter writer;
    private boolean open;
    private long lastUse = System.nanoTime();

    private Association(Destination destination, Socket socket, Socket plain) throws IOException {
        this.destination = destination;
        this.socket = socket;
        this.plain = plain;
        this.in = new BufferedInputStream(socket.getInputStream(), 64 * 1024);
        this.out = new WriteDeadline(socket, plain, destination.responseTimeout().toMillis());
    }

    /** Connects and negotiates; returns only an established association. */
    static Association open(Destination destination, List<ProposedContext> contexts) throws ForwardException {
        byte[] request = AssociateRequestEncoder.encode(destination.calledAeTitle(), destination.callingAeTitle(), contexts,
                OUR_MAX_PDU_LENGTH);
        PeerConnection connection = PeerConnection.open(destination);
        Association association;
        try {
            association = new Association(destination, connection.socket(), connection.plain());
        } catch (IOException e) {
            closeQuietly(connection.plain());
            throw new ForwardException("cannot use the connection to " + destination.address() + ": " + e.getMessage(), false, e);
        }
        association.negotiate(request, contexts.stream().map(ProposedContext::id).toList());
        return association;
    }

    private void negotiate(byte[] request, List<Integer> proposedIds) throws ForwardException {
        Pdu pdu;
        try {
            out.write(request);
            out.flush();
            pdu = Pdu.read(in, MAX_ACCEPT_LENGTH);
            if (pdu == null) {
                throw fail("closed the connection instead of answering the association request", false, null);
            }
            switch (pdu.type()) {
                case Pdu.ASSOCIATE_AC -> accepted(AssociateAccept.parse(pdu.body()), proposedIds);
                case Pdu.ASSOCIATE_RJ -> {
                    AssociateReject reject = AssociateReject.parse(pdu.body());
                    disconnect();
                    throw ForwardException.associationRejected(destination.address() + " (called AE title "
                            + destination.calledAeTitle() + ") " + reject.describe(), reject.permanent());
                }
                case Pdu.ABORT -> {
                    disconnect();
                    throw new ForwardException(destination.address() + " " + Abort.parse(pdu.body()).describe()
                            + " during association negotiation", false);
                }
                default -> throw new ProtocolException("PDU type " + pdu.type() + " in answer to an association request",
                        ProtocolException.UNEXPECTED_PDU);
            }
        } catch (ProtocolException e) {
            throw protocolFailure(e);
        } catch (IOException e) {
            throw ioFailure("while negotiating the association", e);
        }
    }

    private void accepted(AssociateAccept accept, List<Integer> proposedIds) throws ProtocolException {
        accept.requireAnswersTo(proposedIds);
        long peerMax = accept.peerMaxPduLength();
        if (peerMax != 0 && peerMax < 8) {
            throw new ProtocolException("the peer takes PDUs of at most " + peerMax + " bytes, too few for any data",
                    ProtocolException.INVALID_PARAMETER_VALUE);
        }
        this.accept = accept;
        this.writer = new PDataWriter(out, (int) (peerMax == 0 ? SEND_CAP : Math.min(peerMax, SEND_CAP)));
        this.open = true;
    }

    boolean isOpen() {
        return open;
    }

    /**
     * Whether an association that sat idle is still there. Peers drop idle associations (with an
     * A-ABORT, an A-RELEASE-RQ or just a closed connection); finding out before sending turns what
     * would be a failed store into a fresh association. Only checked after a pause, as it costs a
     * millisecond.
     */
    boolean stillUsable() {
        if (!open) {
            return false;
        }
        if (System.nanoTime() - lastUse < IDLE_CHECK_AFTER_NANOS) {
            return true;
        }
        try {
            socket.setSoTimeout(1);
            in.read();
            // the peer spoke unasked (or closed): whatever it said, this association is over
            return false;
        } catch (SocketTimeoutException quiet) {
            return true;
        } catch (IOException e) {
            return false;
        } finally {
            try {
                socket.setSoTimeout(timeoutMillis(destination));
            } catch (IOException ignored) {
                // a socket that cannot take a timeout is closed, and the next write says so
            }
        }
    }

    /** The peer's answer for a proposed context ID; null if it did not answer for that ID. */
    AcceptedContext context(int id) {
        return accept.context(id);
    }

    /** Sends a command and, when {@code dataSet} is not null, the data set after it. */
    void send(int contextId, byte[] command, InputStream dataSet) throws ForwardException {
        try {
            // the command waits in the buffer for the data set's first PDUs: one write, one wake-up of the peer
            writer.append(contextId, true, command);
            if (dataSet != null) {
                writer.append(contextId, false, dataSet);
            }
            writer.flush();
        } catch (LocalReadException e) {
            // our file failed us mid-message: the peer holds half an object and must drop it
            abort();
            throw new ForwardException("cannot read the data set being sent to " + destination.address() + ": "
                    + e.getCause(), false, e.getCause());
        } catch (IOException e) {
            throw ioFailure("while sending", e);
        }
    }

    /** Waits for the response to {@code messageId}; anything else is a protocol error. */
    DimseCommand readResponse(int messageId, int commandField) throws ForwardException {
        ByteArrayOutputStream command = new ByteArrayOutputStream();
        try {
            while (true) {
                Pdu pdu = Pdu.read(in, OUR_MAX_PDU_LENGTH);
                if (pdu == null) {
                    throw fail("closed the connection before responding", false, null);
                }
                switch (pdu.type()) {
                    case Pdu.P_DATA_TF -> {
                        for (PresentationDataValue pdv : PresentationDataValue.split(pdu.body())) {
                            if (!pdv.command()) {
                                throw new ProtocolException("a data set in a response that has none", ProtocolException.UNEXPECTED_PDU);
                            }
                            if (command.size() + pdv.length() > MAX_RESPONSE_LENGTH) {
                                throw new ProtocolException("a response longer than " + MAX_RESPONSE_LENGTH + " bytes",
                                        ProtocolException.INVALID_PARAMETER_VALUE);
                            }
                            command.write(pdu.body(), pdv.offset(), pdv.length());
                            if (pdv.last()) {
                                lastUse = System.nanoTime();
                                return checked(DimseCommand.parse(command.toByteArray()), messageId, commandField);
                            }
                        }
                    }
                    case Pdu.ABORT -> {
                        open = false;
                        disconnect();
                        throw new ForwardException(destination.address() + " " + Abort.parse(pdu.body()).describe(), false);
                    }
                    default -> throw new ProtocolException("PDU type " + pdu.type() + " while waiting for a response",
                            ProtocolException.UNEXPECTED_PDU);
                }
            }
        } catch (ProtocolException e) {
            throw protocolFailure(e);
        } catch (IOException e) {
            throw ioFailure("while waiting for the response", e);
        }
    }

    private static DimseCommand checked(DimseCommand response, int messageId, int commandField) throws ProtocolException {
        if (response.commandField() != commandField) {
            throw new ProtocolException(String.format("response 0x%04X where 0x%04X was due", response.commandField(), commandField),
                    ProtocolException.UNEXPECTED_PARAMETER);
        }
        int respondedTo = response.u16(DimseCommand.MESSAGE_ID_BEING_RESPONDED_TO);
        if (respondedTo != messageId) {
            throw new ProtocolException("response to message " + respondedTo + " while " + messageId + " was outstanding",
                    ProtocolException.INVALID_PARAMETER_VALUE);
        }
        if (response.status() < 0) {
            throw new ProtocolException("response without Status", ProtocolException.INVALID_PARAMETER_VALUE);
        }
        return response;
    }

    /**
     * A-RELEASE-RQ and the wait for A-RELEASE-RP. Best effort: every object was already confirmed
     * by its response, so a peer that fails the release costs nothing but a log line.
     */
    void release() {
        if (!open) {
            return;
        }
        open = false;
        try {
            out.write(PduEncoder.releaseRequest());
            out.flush();
            for (int i = 0; i < 16; i++) {
                Pdu pdu = Pdu.read(in, OUR_MAX_PDU_LENGTH);
                if (pdu == null || pdu.type() == Pdu.RELEASE_RP || pdu.type() == Pdu.ABORT) {
                    break;
                }
            }
        } catch (IOException | ProtocolException ignored) {
            // see above: nothing is lost
        } finally {
            // the orderly end: over TLS this sends the closing alert
            closeQuietly(socket);
            closeQuietly(plain);
        }
    }

    /** A-ABORT as service user, then close. */
    void abort() {
        open = false;
        try {
            out.write(PduEncoder.abort(0, 0));
            out.flush();
        } catch (IOException ignored) {
            // the connection may be gone already; closing is all that is left
        } finally {
            disconnect();
        }
    }

    @Override
    public void close() {
        release();
    }

    private ForwardException protocolFailure(ProtocolException e) {
        open = false;
        try {
            out.write(PduEncoder.abort(2, e.abortReason()));
            out.flush();
        } catch (IOException ignored) {
            // the abort is a courtesy; the connection is closed next anyway
        }
        disconnect();
        // a peer that breaks the protocol does so whatever we send: not the object's fault
        return new ForwardException(destination.address() + " broke the DICOM protocol: " + e.getMessage(), false, e);
    }

    private ForwardException ioFailure(String when, IOException e) {
        if (HandshakeFailure.isTls(e)) {
            // TLS 1.3 finishes the client's handshake before the server checks its certificate: a refusal arrives here
            open = false;
            disconnect();
            return PeerConnection.tlsFailure(destination, e);
        }
        boolean timedOut = e instanceof SocketTimeoutException || out.expired();
        String why = timedOut ? "no progress within " + destination.responseTimeout().toSeconds() + " s" : e.getMessage();
        if (!timedOut && !socket.isClosed()) {
            // a write that fails is often the peer's abort arriving: its reason beats "broken pipe"
            String abortReason = pendingAbort();
            if (abortReason != null) {
                why = abortReason;
            }
        }
        return fail(why + " " + when, false, e);
    }

    private String pendingAbort() {
        try {
            socket.setSoTimeout(1000);
            Pdu pdu = Pdu.read(in, OUR_MAX_PDU_LENGTH);
            return pdu != null && pdu.type() == Pdu.ABORT ? Abort.parse(pdu.body()).describe() : null;
        } catch (IOException | ProtocolException e) {
            return null;
        }
    }

    private ForwardException fail(String what, boolean permanent, Throwable cause) {
        open = false;
        disconnect();
        return new ForwardException(destination.address() + ": " + what, permanent, cause);
    }

    /** Ends the connection without waiting for the peer: the plain socket first, so the TLS one cannot block. */
    private void disconnect() {
        closeQuietly(plain);
        closeQuietly(socket);
    }

    private static int timeoutMillis(Destination destination) {
        return (int) Math.min(Integer.MAX_VALUE, destination.responseTimeout().toMillis());
    }

    private static void closeQuietly(Socket socket) {
        PeerConnection.closeQuietly(socket);
    }

    /** Marks a failure to read our own file, so it is not blamed on the peer. */
    static final class LocalReadException extends IOException {
        LocalReadException(IOException cause) {
            super(cause);
        }

        @Override
        public synchronized IOException getCause() {
            return (IOException) super.getCause();
        }
    }
}
