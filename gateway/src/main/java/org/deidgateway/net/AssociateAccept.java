package org.deidgateway.net;

import org.deidgateway.net.PduEncoder.AcceptedContext;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * An A-ASSOCIATE-AC as parsed (PS3.8 9.3.3): the peer's answer per presentation context and the
 * largest PDU it takes. User information sub-items we did not offer (role selection, asynchronous
 * operations, extended negotiation) are skipped rather than refused: a peer may add them anyway.
 */
public record AssociateAccept(String calledAeTitle, String callingAeTitle, List<AcceptedContext> contexts,
                              long peerMaxPduLength, String implementationClassUid, String implementationVersionName) {

    public static AssociateAccept parse(byte[] body) throws ProtocolException {
        AssociateBody b = AssociateBody.parse(body, 0x21, "A-ASSOCIATE-AC");
        if (!AssociateRequest.DICOM_APPLICATION_CONTEXT.equals(b.applicationContext())) {
            throw new ProtocolException("A-ASSOCIATE-AC with application context '" + b.applicationContext() + "'",
                    ProtocolException.INVALID_PARAMETER_VALUE);
        }
        List<AcceptedContext> contexts = new ArrayList<>();
        for (ItemReader item : b.contextItems()) {
            contexts.add(acceptedContext(item));
        }
        return new AssociateAccept(b.calledAeTitle(), b.callingAeTitle(), List.copyOf(contexts), b.maxPduLength(),
                b.implementationClassUid(), b.implementationVersionName());
    }

    /**
     * Throws unless every answer is for an ID we proposed, each at most once (PS3.8 9.3.3.2: the
     * acceptor answers with the requestor's IDs). Without this, the first of two answers for one
     * ID counted, and an answer under an ID of the peer's own left ours unanswered: either made a
     * good object a dead letter, when it is the peer that is broken.
     */
    public void requireAnswersTo(Collection<Integer> proposedIds) throws ProtocolException {
        Set<Integer> answered = new HashSet<>();
        for (AcceptedContext c : contexts) {
            if ((c.id() & 1) == 0) {
                throw new ProtocolException("A-ASSOCIATE-AC with presentation context ID " + c.id() + ", which is not odd",
                        ProtocolException.INVALID_PARAMETER_VALUE);
            }
            if (!proposedIds.contains(c.id())) {
                throw new ProtocolException("A-ASSOCIATE-AC answers presentation context " + c.id() + ", which was not proposed",
                        ProtocolException.INVALID_PARAMETER_VALUE);
            }
            if (!answered.add(c.id())) {
                throw new ProtocolException("A-ASSOCIATE-AC answers presentation context " + c.id() + " twice",
                        ProtocolException.INVALID_PARAMETER_VALUE);
            }
        }
    }

    /** The answer for one proposed context ID, or null when the peer left it out. */
    public AcceptedContext context(int id) {
        for (AcceptedContext c : contexts) {
            if (c.id() == id) {
                return c;
            }
        }
        return null;
    }

    /** PS3.8 Table 9-18, in words for error messages. */
    public static String describeResult(int result) {
        return switch (result) {
            case AcceptedContext.ACCEPTANCE -> "accepted";
            case AcceptedContext.USER_REJECTION -> "rejected by the called application";
            case 2 -> "rejected by the provider, no reason given";
            case AcceptedContext.ABSTRACT_SYNTAX_NOT_SUPPORTED -> "SOP class not supported";
            case AcceptedContext.TRANSFER_SYNTAXES_NOT_SUPPORTED -> "transfer syntax not supported";
            default -> "unknown result " + result;
        };
    }

    private static AcceptedContext acceptedContext(ItemReader item) throws ProtocolException {
        int id = item.u8();
        item.skip(1);
        int result = item.u8();
        item.skip(1);
        String transferSyntax = null;
        while (item.hasMore()) {
            int subType = item.u8();
            item.skip(1);
            ItemReader sub = item.sub(item.u16());
            if (subType == 0x40) {
                transferSyntax = sub.text(sub.remaining());
            } else {
                throw new ProtocolException("unexpected sub-item 0x" + Integer.toHexString(subType)
                        + " in an accepted presentation context", ProtocolException.UNEXPECTED_PARAMETER);
            }
        }
        // with a rejection the transfer syntax may be absent or empty and means nothing
        if (result == AcceptedContext.ACCEPTANCE && (transferSyntax == null || transferSyntax.isEmpty())) {
            throw new ProtocolException("presentation context " + id + " accepted without a transfer syntax",
                    ProtocolException.INVALID_PARAMETER_VALUE);
        }
        return new AcceptedContext(id, result, result == AcceptedContext.ACCEPTANCE ? transferSyntax : null);
    }
}
