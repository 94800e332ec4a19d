package org.deidgateway.forward;

import org.deidgateway.net.AssociateAccept;
import org.deidgateway.net.AssociateRequest.ProposedContext;
import org.deidgateway.net.AssociateRequestEncoder;
import org.deidgateway.net.DimseCommand;
import org.deidgateway.net.PduEncoder.AcceptedContext;

import java.io.ByteArrayInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Sends objects to one destination over as few associations as possible: an association is opened
 * on first use and kept for the next object. The presentation contexts are fixed when it opens, so
 * an object whose SOP class and transfer syntax were not proposed makes the client release and
 * re-associate, proposing everything seen so far; {@link #expect} lets the caller announce a batch
 * up front to avoid that. Not thread-safe: one client per sending thread.
 */
public final class DicomStoreClient implements AutoCloseable {

    public static final String VERIFICATION_SOP_CLASS = "1.2.840.10008.1.1";
    public static final String IMPLICIT_VR_LITTLE_ENDIAN = "1.2.840.10008.1.2";
    public static final String EXPLICIT_VR_LITTLE_ENDIAN = "1.2.840.10008.1.2.1";
    private static final int VERIFICATION_CONTEXT_ID = 1;
    private static final int MEDIUM_PRIORITY = 0;

    /** One SOP class in one transfer syntax: what one presentation context carries. */
    private record Syntax(String sopClass, String transferSyntax) {
    }

    private final Destination destination;
    /** Most recent last: when more are known than fit one association, the oldest are left out. */
    private final Set<Syntax> known = new LinkedHashSet<>();
    private final Map<Syntax, Integer> proposedIds = new HashMap<>();
    private Association association;
    private int lastMessageId;
    private int associationsOpened;

    public DicomStoreClient(Destination destination) {
        this.destination = destination;
    }

    public Destination destination() {
        return destination;
    }

    /**
     * Proposes this SOP class in this transfer syntax from the next association on. The file's own
     * transfer syntax is the only one proposed: the data set is sent as stored, never converted.
     */
    public void expect(String sopClassUid, String transferSyntaxUid) {
        Syntax syntax = new Syntax(sopClassUid, transferSyntaxUid);
        known.remove(syntax);
        known.add(syntax);
    }

    /** C-ECHO: proves the destination is there and accepts us; throws otherwise. */
    public void echo() throws ForwardException {
        dropIfStale();
        if (association == null) {
            associate(null);
        }
        requireAccepted(VERIFICATION_CONTEXT_ID, "Verification");
        int messageId = nextMessageId();
        byte[] command = DimseCommand.builder()
                .string(DimseCommand.AFFECTED_SOP_CLASS_UID, VERIFICATION_SOP_CLASS, true)
                .u16(DimseCommand.COMMAND_FIELD, DimseCommand.C_ECHO_RQ)
                .u16(DimseCommand.MESSAGE_ID, messageId)
                .u16(DimseCommand.COMMAND_DATA_SET_TYPE, DimseCommand.NO_DATA_SET)
                .encode();
        DimseCommand response = exchange(VERIFICATION_CONTEXT_ID, command, null, messageId, DimseCommand.C_ECHO_RSP);
        if (response.status() != 0) {
            throw new ForwardException(String.format("%s answered C-ECHO with status 0x%04X", destination.address(),
                    response.status()), false);
        }
    }

    /**
     * C-STORE of one Part 10 file, its data set sent byte for byte (an odd deflated stream gets
     * its one NUL of padding). A status, even a failure, is returned; an exception means no status
     * was obtained, or the file cannot be sent at all.
     */
    public StoreStatus store(Path file) throws ForwardException {
        Part10Header header;
        try {
            header = Part10Header.read(file);
        } catch (Part10Header.MalformedException e) {
            throw new ForwardException(e.getMessage(), true, e);
        } catch (IOException e) {
            throw new ForwardException("cannot read " + file + ": " + e, false, e);
        }
        int contextId = contextFor(new Syntax(header.sopClassUid(), header.transferSyntaxUid()));
        int messageId = nextMessageId();
        byte[] command = DimseCommand.builder()
                .string(DimseCommand.AFFECTED_SOP_CLASS_UID, header.sopClassUid(), true)
                .u16(DimseCommand.COMMAND_FIELD, DimseCommand.C_STORE_RQ)
                .u16(DimseCommand.MESSAGE_ID, messageId)
                .u16(DimseCommand.PRIORITY, MEDIUM_PRIORITY)
                // any value but 0x0101 announces a data set; 0x0000 is what everyone sends
                .u16(DimseCommand.COMMAND_DATA_SET_TYPE, 0x0000)
                .string(DimseCommand.AFFECTED_SOP_INSTANCE_UID, header.sopInstanceUid(), true)
                .encode();
        DimseCommand response;
        try (InputStream in = Files.newInputStream(file)) {
            in.skipNBytes(header.dataSetOffset());
            InputStream dataSet = new LocalInput(in);
            if (header.oddLength()) {
                dataSet = new SequenceInputStream(dataSet, new ByteArrayInputStream(new byte[1]));
            }
            response = exchange(contextId, command, dataSet, messageId, DimseCommand.C_STORE_RSP);
        } catch (IOException e) {
            // opening or skipping into our own file; nothing was sent yet
            throw new ForwardException("cannot read " + file + ": " + e, false, e);
        }
        return new StoreStatus(response.status(), response.string(DimseCommand.ERROR_COMMENT));
    }

    /** How many associations this client opened: re-association is visible to callers and tests. */
    public int associationsOpened() {
        return associationsOpened;
    }

    /** Releases the association if one is open; never throws. */
    @Override
    public void close() {
        if (association != null) {
            association.release();
            association = null;
        }
    }

    private DimseCommand exchange(int contextId, byte[] command, InputStream dataSet, int messageId, int responseField)
            throws ForwardException {
        try {
            association.send(contextId, command, dataSet);
            return association.readResponse(messageId, responseField);
        } catch (ForwardException e) {
            dropIfClosed();
            throw e;
        }
    }

    /** The accepted context for this syntax, re-associating once if it was never proposed. */
    private int contextFor(Syntax syntax) throws ForwardException {
        dropIfStale();
        if (association == null || !proposedIds.containsKey(syntax)) {
            close();
            associate(syntax);
        }
        int id = proposedIds.get(syntax);
        String what = "SOP class " + syntax.sopClass() + " in transfer syntax " + syntax.transferSyntax();
        AcceptedContext answer = requireAccepted(id, what);
        if (!syntax.transferSyntax().equals(answer.transferSyntax())) {
            // we proposed a single transfer syntax; converting the data set is not our job
            throw new ForwardException(destination.address() + " accepted " + what + " only as transfer syntax "
                    + answer.transferSyntax() + ", which was not proposed", true);
        }
        return id;
    }

    private AcceptedContext requireAccepted(int id, String what) throws ForwardException {
        AcceptedContext answer = association.context(id);
        if (answer == null || answer.result() != AcceptedContext.ACCEPTANCE) {
            String why = answer == null ? "no answer for it" : AssociateAccept.describeResult(answer.result());
            throw new ForwardException(destination.address() + " (called AE title " + destination.calledAeTitle()
                    + ") does not take " + what + ": " + why, true);
        }
        return answer;
    }

    private void associate(Syntax needed) throws ForwardException {
        if (needed != null) {
            expect(needed.sopClass(), needed.transferSyntax());
        }
        List<ProposedContext> contexts = new ArrayList<>();
        proposedIds.clear();
        contexts.add(new ProposedContext(VERIFICATION_CONTEXT_ID, VERIFICATION_SOP_CLASS,
                List.of(EXPLICIT_VR_LITTLE_ENDIAN, IMPLICIT_VR_LITTLE_ENDIAN)));
        List<Syntax> newestFirst = new ArrayList<>(known);
        Collections.reverse(newestFirst);
        for (Syntax syntax : newestFirst) {
            if (contexts.size() == AssociateRequestEncoder.MAX_CONTEXTS) {
                break;
            }
            int id = 2 * contexts.size() + 1;
            contexts.add(new ProposedContext(id, syntax.sopClass(), List.of(syntax.transferSyntax())));
            proposedIds.put(syntax, id);
        }
        association = Association.open(destination, contexts);
        associationsOpened++;
    }

    private void dropIfStale() {
        if (association != null && !association.stillUsable()) {
            association.abort();
            association = null;
        }
    }

    private void dropIfClosed() {
        if (association != null && !association.isOpen()) {
            association = null;
        }
    }

    /** Message IDs run 1..65535 and wrap; only one is outstanding at a time. */
    private int nextMessageId() {
        lastMessageId = lastMessageId % 0xFFFF + 1;
        return lastMessageId;
    }

    /** Tags failures of our own file so {@link Association#send} does not blame the peer for them. */
    private static final class LocalInput extends FilterInputStream {
        LocalInput(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            try {
                return super.read();
            } catch (IOException e) {
                throw new Association.LocalReadException(e);
            }
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            try {
                return super.read(b, off, len);
            } catch (IOException e) {
                throw new Association.LocalReadException(e);
            }
        }
    }
}
