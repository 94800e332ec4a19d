package org.deidgateway.receive;

import org.deidgateway.net.AssociateRequest;
import org.deidgateway.net.AssociateRequest.ProposedContext;
import org.deidgateway.net.DimseCommand;
import org.deidgateway.net.Implementation;
import org.deidgateway.net.Pdu;
import org.deidgateway.net.PduEncoder;
import org.deidgateway.net.PduEncoder.AcceptedContext;
import org.deidgateway.net.PresentationDataValue;
import org.deidgateway.net.ProtocolException;
import com.pixelmed.dicom.SOPClass;
import org.deidgateway.receive.StoreService.Outcome;
import org.deidgateway.tls.HandshakeFailure;
import org.jboss.logging.Logger;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One association, from the request to the release or abort. Every wait has a timeout and every
 * length a limit; a protocol violation ends the association with an A-ABORT, never the receiver.
 * On a TLS listener the handshake comes first, here on the association's thread, within ARTIM.
 */
public final class AssociationHandler implements Runnable {

    public static final String VERIFICATION_SOP_CLASS = "1.2.840.10008.1.1";

    /**
     * The storage SOP classes the listener accepts: every one PixelMed knows as storage, but the
     * Media Storage Directory (a DICOMDIR describes media, holds patient names and cannot be forwarded).
     */
    public static boolean acceptedForStorage(String sopClassUid) {
        return SOPClass.isStorage(sopClassUid) && !SOPClass.isDirectory(sopClassUid);
    }
    private static final int MAX_ASSOCIATE_RQ_LENGTH = 64 * 1024;
    private static final int MAX_COMMAND_LENGTH = 64 * 1024;
    private static final long DRAIN_LIMIT = 1 << 20;
    private static final Logger LOG = Logger.getLogger(AssociationHandler.class);
    public static final int SOP_CLASS_NOT_SUPPORTED = 0x0122;

    /** The accepted connection; after a TLS handshake, the TLS socket over it. */
    private Socket socket;
    private final ReceiverSettings settings;
    private final StoreService storage;
    /** The presentation contexts in use, by ID. */
    private final Map<Integer, Negotiated> accepted = new HashMap<>();
    private String callingAe = "";
    private String calledAe = "";
    /** The C-STORE whose data set is arriving, with the file it goes to (null: none). */
    private StoreInProgress store;

    AssociationHandler(Socket socket, ReceiverSettings settings, StoreService storage) {
        this.socket = socket;
        this.settings = settings;
        this.storage = storage;
    }

    private record Negotiated(String abstractSyntax, String transferSyntax) {
    }

    /** A C-STORE between its command and the last fragment of its data set. */
    private record StoreInProgress(DimseCommand command, int contextId, Spool.Incoming incoming, Outcome refusal) {
    }

    @Override
    public void run() {
        String peer = socket.getRemoteSocketAddress().toString();
        try {
            socket.setTcpNoDelay(true);
            socket.setSoTimeout((int) settings.artim().toMillis());
            if (settings.tls() != null && !handshake(peer)) {
                return;
            }
            ArtimDeadline request = new ArtimDeadline(socket, socket.getInputStream(), settings.artim());
            InputStream in = new BufferedInputStream(request, 64 * 1024);
            OutputStream out = socket.getOutputStream();
            if (negotiate(in, out)) {
                request.clear();
                socket.setSoTimeout((int) settings.idle().toMillis());
                serve(in, out);
            }
        } catch (ProtocolException e) {
            LOG.infof("association from %s aborted: %s", peer, e.getMessage());
            abortQuietly(e.abortReason());
        } catch (SocketTimeoutException e) {
            LOG.infof("association from %s timed out", peer);
            abortQuietly(0);
        } catch (IOException e) {
            LOG.debugf("association from %s ended: %s", peer, e.getMessage());
        } finally {
            if (store != null && store.incoming() != null) {
                store.incoming().close();
            }
            try {
                socket.close();
            } catch (IOException ignored) {
                // already closed by the peer
            }
        }
    }

    /** The TLS handshake; returns whether it succeeded (a failure is logged, with no patient data to log). */
    private boolean handshake(String peer) {
        try {
            socket = settings.tls().handshake(socket, settings.artim());
            return true;
        } catch (IOException e) {
            HandshakeFailure failure = HandshakeFailure.of(e);
            LOG.infof("TLS handshake with %s failed: %s", peer, failure.description());
            return false;
        }
    }

    /** Reads the A-ASSOCIATE-RQ and answers it; returns whether the association is established. */
    private boolean negotiate(InputStream in, OutputStream out) throws IOException, ProtocolException {
        Pdu pdu = Pdu.read(in, MAX_ASSOCIATE_RQ_LENGTH);
        if (pdu == null) {
            return false;
        }
        if (pdu.type() != Pdu.ASSOCIATE_RQ) {
            throw new ProtocolException("expected A-ASSOCIATE-RQ, got PDU type " + pdu.type(), ProtocolException.UNEXPECTED_PDU);
        }
        AssociateRequest request = AssociateRequest.parse(pdu.body());
        if (!AssociateRequest.DICOM_APPLICATION_CONTEXT.equals(request.applicationContext())) {
            out.write(PduEncoder.associateReject(1, 1, 2));
            return false;
        }
        if (!settings.answersTo(request.calledAeTitle())) {
            LOG.infof("rejected association: called AE title '%s' is not ours", request.calledAeTitle());
            out.write(PduEncoder.associateReject(1, 1, 7));
            return false;
        }
        if (!settings.allowedCallingAeTitles().isEmpty() && !settings.allowedCallingAeTitles().contains(request.callingAeTitle())) {
            LOG.infof("rejected association: calling AE title '%s' is not allowed", request.callingAeTitle());
            out.write(PduEncoder.associateReject(1, 1, 3));
            return false;
        }
        callingAe = request.callingAeTitle();
        calledAe = request.calledAeTitle();
        List<AcceptedContext> contexts = new ArrayList<>();
        for (ProposedContext proposed : request.contexts()) {
            AcceptedContext context = negotiate(proposed);
            contexts.add(context);
            if (context.result() == AcceptedContext.ACCEPTANCE) {
                accepted.put(context.id(), new Negotiated(proposed.abstractSyntax(), context.transferSyntax()));
            }
        }
        out.write(PduEncoder.associateAccept(request, contexts, settings.maxPduLength(), Implementation.CLASS_UID,
                Implementation.VERSION_NAME));
        out.flush();
        return true;
    }

    private AcceptedContext negotiate(ProposedContext proposed) {
        Set<String> supported;
        if (VERIFICATION_SOP_CLASS.equals(proposed.abstractSyntax())) {
            supported = SupportedTransferSyntaxes.VERIFICATION;
        } else if (storage != null && acceptedForStorage(proposed.abstractSyntax())) {
            supported = SupportedTransferSyntaxes.STORAGE;
        } else {
            return new AcceptedContext(proposed.id(), AcceptedContext.ABSTRACT_SYNTAX_NOT_SUPPORTED, null);
        }
        for (String ts : proposed.transferSyntaxes()) {
            if (supported.contains(ts)) {
                return new AcceptedContext(proposed.id(), AcceptedContext.ACCEPTANCE, ts);
            }
        }
        return new AcceptedContext(proposed.id(), AcceptedContext.TRANSFER_SYNTAXES_NOT_SUPPORTED, null);
    }

    /** The message loop: commands in, responses out, until release or abort. */
    private void serve(InputStream in, OutputStream out) throws IOException, ProtocolException {
        ByteArrayOutputStream command = new ByteArrayOutputStream();
        // each P-DATA-TF is written to the spool before the next is read: one body buffer serves them all,
        // as large as the largest PDU the peer has sent (idle associations hold none)
        byte[] dataBuffer = null;
        while (true) {
            Pdu pdu = Pdu.read(in, settings.maxPduLength(), dataBuffer);
            if (pdu == null) {
                return;
            }
            switch (pdu.type()) {
                case Pdu.P_DATA_TF -> {
                    if (dataBuffer == null || pdu.body().length > dataBuffer.length) {
                        dataBuffer = pdu.body();
                    }
                    for (PresentationDataValue pdv : PresentationDataValue.split(pdu.body(), pdu.length())) {
                        if (!accepted.containsKey(pdv.contextId())) {
                            throw new ProtocolException("data on presentation context " + pdv.contextId()
                                    + ", which was not accepted", ProtocolException.INVALID_PARAMETER_VALUE);
                        }
                        if (pdv.command()) {
                            if (store != null) {
                                throw new ProtocolException("a command inside a data set", ProtocolException.UNEXPECTED_PDU);
                            }
                            if (command.size() + pdv.length() > MAX_COMMAND_LENGTH) {
                                throw new ProtocolException("command set longer than " + MAX_COMMAND_LENGTH + " bytes",
                                        ProtocolException.INVALID_PARAMETER_VALUE);
                            }
                            command.write(pdu.body(), pdv.offset(), pdv.length());
                            if (pdv.last()) {
                                onCommand(DimseCommand.parse(command.toByteArray()), pdv.contextId(), out);
                                command.reset();
                            }
                        } else {
                            onDataSetFragment(pdu.body(), pdv, out);
                        }
                    }
                }
                case Pdu.RELEASE_RQ -> {
                    out.write(PduEncoder.releaseResponse());
                    out.flush();
                    return;
                }
                case Pdu.ABORT -> {
                    return;
                }
                default -> throw new ProtocolException("unexpected PDU type " + pdu.type() + " inside an association",
                        ProtocolException.UNEXPECTED_PDU);
            }
        }
    }

    private void onCommand(DimseCommand command, int contextId, OutputStream out) throws IOException, ProtocolException {
        switch (command.commandField()) {
            case DimseCommand.C_ECHO_RQ -> {
                byte[] response = DimseCommand.builder()
                        .string(DimseCommand.AFFECTED_SOP_CLASS_UID, VERIFICATION_SOP_CLASS, true)
                        .u16(DimseCommand.COMMAND_FIELD, DimseCommand.C_ECHO_RSP)
                        .u16(DimseCommand.MESSAGE_ID_BEING_RESPONDED_TO, command.messageId())
                        .u16(DimseCommand.COMMAND_DATA_SET_TYPE, DimseCommand.NO_DATA_SET)
                        .u16(DimseCommand.STATUS, 0)
                        .encode();
                out.write(PduEncoder.pData(contextId, true, true, response, 0, response.length));
                out.flush();
            }
            case DimseCommand.C_STORE_RQ -> {
                if (!command.hasDataSet()) {
                    respondStore(command, contextId, new Outcome(StoreService.CANNOT_UNDERSTAND, "C-STORE without a data set"), out);
                    return;
                }
                String sopClass = command.string(DimseCommand.AFFECTED_SOP_CLASS_UID);
                String sopInstance = command.string(DimseCommand.AFFECTED_SOP_INSTANCE_UID);
                Outcome refusal = null;
                Spool.Incoming incoming = null;
                if (storage == null || !sopClass.equals(accepted.get(contextId).abstractSyntax())) {
                    refusal = new Outcome(SOP_CLASS_NOT_SUPPORTED, "SOP class not negotiated on this presentation context");
                } else {
                    try {
                        incoming = storage.begin(sopClass, sopInstance, accepted.get(contextId).transferSyntax(), callingAe,
                                calledAe);
                    } catch (StoreService.DatabaseUnavailable e) {
                        // said once by the intake recorder when it began; one line per refused object would flood the log
                        LOG.debugf("refused an object from %s: %s", callingAe, e.getMessage());
                        refusal = new Outcome(StoreService.OUT_OF_RESOURCES, "the gateway cannot record objects now");
                    } catch (IOException e) {
                        LOG.errorf("cannot open a spool file: %s", e.getMessage());
                        refusal = new Outcome(StoreService.OUT_OF_RESOURCES, "cannot store the object");
                    }
                }
                // the data set is read to its end either way, so that the association stays in step
                store = new StoreInProgress(command, contextId, incoming, refusal);
            }
            default -> throw new ProtocolException("unsupported DIMSE command 0x" + Integer.toHexString(command.commandField()),
                    ProtocolException.UNRECOGNIZED_PARAMETER);
        }
    }

    private void onDataSetFragment(byte[] body, PresentationDataValue pdv, OutputStream out) throws IOException, ProtocolException {
        if (store == null || store.contextId() != pdv.contextId()) {
            throw new ProtocolException("a data set where no command announced one", ProtocolException.UNEXPECTED_PDU);
        }
        Outcome outcome = store.refusal();
        if (store.incoming() != null && outcome == null) {
            try {
                store.incoming().write(body, pdv.offset(), pdv.length());
            } catch (IOException e) {
                LOG.errorf("cannot write a spool file: %s", e.getMessage());
                store.incoming().close();
                store = new StoreInProgress(store.command(), store.contextId(), null,
                        new Outcome(StoreService.OUT_OF_RESOURCES, "cannot store the object"));
            }
        }
        if (!pdv.last()) {
            return;
        }
        StoreInProgress done = store;
        store = null;
        if (done.refusal() != null) {
            respondStore(done.command(), done.contextId(), done.refusal(), out);
            return;
        }
        Outcome result = storage.complete(done.incoming(), done.command().string(DimseCommand.AFFECTED_SOP_CLASS_UID),
                done.command().string(DimseCommand.AFFECTED_SOP_INSTANCE_UID), accepted.get(done.contextId()).transferSyntax(),
                callingAe, calledAe);
        respondStore(done.command(), done.contextId(), result, out);
    }

    private void respondStore(DimseCommand request, int contextId, Outcome outcome, OutputStream out) throws IOException {
        DimseCommand.Builder response = DimseCommand.builder()
                .string(DimseCommand.AFFECTED_SOP_CLASS_UID, request.string(DimseCommand.AFFECTED_SOP_CLASS_UID), true)
                .u16(DimseCommand.COMMAND_FIELD, DimseCommand.C_STORE_RSP)
                .u16(DimseCommand.MESSAGE_ID_BEING_RESPONDED_TO, request.messageId())
                .u16(DimseCommand.COMMAND_DATA_SET_TYPE, DimseCommand.NO_DATA_SET)
                .u16(DimseCommand.STATUS, outcome.status())
                .string(DimseCommand.AFFECTED_SOP_INSTANCE_UID, request.string(DimseCommand.AFFECTED_SOP_INSTANCE_UID), true);
        if (!outcome.comment().isEmpty()) {
            String comment = outcome.comment().length() > 64 ? outcome.comment().substring(0, 64) : outcome.comment();
            response.string(DimseCommand.ERROR_COMMENT, comment, false);
        }
        byte[] bytes = response.encode();
        out.write(PduEncoder.pData(contextId, true, true, bytes, 0, bytes.length));
        out.flush();
    }

    /**
     * Sends A-ABORT, then reads and drops what the peer still sends for a moment: closing with unread
     * input would reset the connection and could destroy the abort before the peer reads it.
     */
    private void abortQuietly(int reason) {
        try {
            socket.getOutputStream().write(PduEncoder.abort(2, reason));
            socket.getOutputStream().flush();
            socket.shutdownOutput();
            socket.setSoTimeout(500);
            InputStream in = socket.getInputStream();
            byte[] sink = new byte[8192];
            long drained = 0;
            int n;
            while (drained < DRAIN_LIMIT && (n = in.read(sink)) > 0) {
                drained += n;
            }
        } catch (IOException ignored) {
            // the peer is gone already; closing is all that is left
        }
    }
}
