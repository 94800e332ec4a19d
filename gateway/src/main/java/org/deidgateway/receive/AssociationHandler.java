package org.deidgateway.receive;

import org.deidgateway.net.AssociateRequest;
import org.deidgateway.net.AssociateRequest.ProposedContext;
import org.deidgateway.net.DimseCommand;
import org.deidgateway.net.Pdu;
import org.deidgateway.net.PduEncoder;
import org.deidgateway.net.PduEncoder.AcceptedContext;
import org.deidgateway.net.ProtocolException;
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

/**
 * One association, from the request to the release or abort. Every wait has a timeout and every
 * length a limit; a protocol violation ends the association with an A-ABORT, never the receiver.
 */
final class AssociationHandler implements Runnable {

    static final String VERIFICATION_SOP_CLASS = "1.2.840.10008.1.1";
    static final String IMPLICIT_VR_LITTLE_ENDIAN = "1.2.840.10008.1.2";
    static final String EXPLICIT_VR_LITTLE_ENDIAN = "1.2.840.10008.1.2.1";
    static final String IMPLEMENTATION_CLASS_UID = "1.2.826.0.1.3680043.10.1329.1";
    static final String IMPLEMENTATION_VERSION = "DEIDGW_010";
    private static final int MAX_ASSOCIATE_RQ_LENGTH = 64 * 1024;
    private static final int MAX_COMMAND_LENGTH = 64 * 1024;
    private static final long DRAIN_LIMIT = 1 << 20;
    private static final Logger LOG = Logger.getLogger(AssociationHandler.class);

    private final Socket socket;
    private final ReceiverSettings settings;
    private final Map<Integer, String> acceptedAbstractSyntax = new HashMap<>();

    AssociationHandler(Socket socket, ReceiverSettings settings) {
        this.socket = socket;
        this.settings = settings;
    }

    @Override
    public void run() {
        String peer = socket.getRemoteSocketAddress().toString();
        try {
            socket.setTcpNoDelay(true);
            socket.setSoTimeout((int) settings.artim().toMillis());
            InputStream in = new BufferedInputStream(socket.getInputStream(), 64 * 1024);
            OutputStream out = socket.getOutputStream();
            if (negotiate(in, out)) {
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
            try {
                socket.close();
            } catch (IOException ignored) {
                // already closed by the peer
            }
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
        if (!settings.aeTitle().equals(request.calledAeTitle())) {
            LOG.infof("rejected association: called AE title '%s' is not ours", request.calledAeTitle());
            out.write(PduEncoder.associateReject(1, 1, 7));
            return false;
        }
        if (!settings.allowedCallingAeTitles().isEmpty() && !settings.allowedCallingAeTitles().contains(request.callingAeTitle())) {
            LOG.infof("rejected association: calling AE title '%s' is not allowed", request.callingAeTitle());
            out.write(PduEncoder.associateReject(1, 1, 3));
            return false;
        }
        List<AcceptedContext> contexts = new ArrayList<>();
        for (ProposedContext proposed : request.contexts()) {
            contexts.add(negotiate(proposed));
        }
        out.write(PduEncoder.associateAccept(request, contexts, settings.maxPduLength(), IMPLEMENTATION_CLASS_UID,
                IMPLEMENTATION_VERSION));
        out.flush();
        return true;
    }

    private AcceptedContext negotiate(ProposedContext proposed) {
        if (!VERIFICATION_SOP_CLASS.equals(proposed.abstractSyntax())) {
            return new AcceptedContext(proposed.id(), AcceptedContext.ABSTRACT_SYNTAX_NOT_SUPPORTED, null);
        }
        for (String ts : proposed.transferSyntaxes()) {
            if (ts.equals(IMPLICIT_VR_LITTLE_ENDIAN) || ts.equals(EXPLICIT_VR_LITTLE_ENDIAN)) {
                acceptedAbstractSyntax.put(proposed.id(), proposed.abstractSyntax());
                return new AcceptedContext(proposed.id(), AcceptedContext.ACCEPTANCE, ts);
            }
        }
        return new AcceptedContext(proposed.id(), AcceptedContext.TRANSFER_SYNTAXES_NOT_SUPPORTED, null);
    }

    /** The message loop: commands in, responses out, until release or abort. */
    private void serve(InputStream in, OutputStream out) throws IOException, ProtocolException {
        ByteArrayOutputStream command = new ByteArrayOutputStream();
        while (true) {
            Pdu pdu = Pdu.read(in, settings.maxPduLength());
            if (pdu == null) {
                return;
            }
            switch (pdu.type()) {
                case Pdu.P_DATA_TF -> {
                    for (Pdv pdv : Pdv.split(pdu.body())) {
                        if (!acceptedAbstractSyntax.containsKey(pdv.contextId())) {
                            throw new ProtocolException("data on presentation context " + pdv.contextId()
                                    + ", which was not accepted", ProtocolException.INVALID_PARAMETER_VALUE);
                        }
                        if (!pdv.command()) {
                            throw new ProtocolException("a data set where no command announced one", ProtocolException.UNEXPECTED_PDU);
                        }
                        if (command.size() + pdv.length() > MAX_COMMAND_LENGTH) {
                            throw new ProtocolException("command set longer than " + MAX_COMMAND_LENGTH + " bytes",
                                    ProtocolException.INVALID_PARAMETER_VALUE);
                        }
                        command.write(pdu.body(), pdv.offset(), pdv.length());
                        if (pdv.last()) {
                            respond(DimseCommand.parse(command.toByteArray()), pdv.contextId(), out);
                            command.reset();
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

    private void respond(DimseCommand command, int contextId, OutputStream out) throws IOException, ProtocolException {
        if (command.commandField() != DimseCommand.C_ECHO_RQ) {
            throw new ProtocolException("unsupported DIMSE command 0x" + Integer.toHexString(command.commandField()),
                    ProtocolException.UNRECOGNIZED_PARAMETER);
        }
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

    /** One presentation data value inside a P-DATA-TF body, by position (no copy). */
    record Pdv(int contextId, boolean command, boolean last, int offset, int length) {

        static List<Pdv> split(byte[] body) throws ProtocolException {
            List<Pdv> pdvs = new ArrayList<>(2);
            int p = 0;
            while (p < body.length) {
                if (body.length - p < 6) {
                    throw new ProtocolException("P-DATA-TF ends inside a PDV header", ProtocolException.INVALID_PARAMETER_VALUE);
                }
                long length = ((long) (body[p] & 0xFF) << 24) | ((body[p + 1] & 0xFF) << 16) | ((body[p + 2] & 0xFF) << 8)
                        | (body[p + 3] & 0xFF);
                if (length < 2 || length > body.length - p - 4) {
                    throw new ProtocolException("PDV length " + length + " does not fit its P-DATA-TF",
                            ProtocolException.INVALID_PARAMETER_VALUE);
                }
                int control = body[p + 5] & 0xFF;
                pdvs.add(new Pdv(body[p + 4] & 0xFF, (control & 1) != 0, (control & 2) != 0, p + 6, (int) length - 2));
                p += 4 + (int) length;
            }
            return pdvs;
        }
    }
}
