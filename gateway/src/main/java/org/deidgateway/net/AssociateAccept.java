package org.deidgateway.net;

import org.deidgateway.net.PduEncoder.AcceptedContext;

import java.util.ArrayList;
import java.util.List;

/**
 * An A-ASSOCIATE-AC as parsed (PS3.8 9.3.3): the peer's answer per presentation context and the
 * largest PDU it takes. User information sub-items we did not offer (role selection, asynchronous
 * operations, extended negotiation) are skipped rather than refused: a peer may add them anyway.
 */
public record AssociateAccept(String calledAeTitle, String callingAeTitle, List<AcceptedContext> contexts,
                              long peerMaxPduLength, String implementationClassUid, String implementationVersionName) {

    public static AssociateAccept parse(byte[] body) throws ProtocolException {
        ItemReader r = new ItemReader(body);
        int version = r.u16();
        if ((version & 1) == 0) {
            throw new ProtocolException("A-ASSOCIATE-AC with protocol version " + version, ProtocolException.INVALID_PARAMETER_VALUE);
        }
        r.skip(2);
        String called = r.text(16);
        String calling = r.text(16);
        r.skip(32);
        String applicationContext = null;
        List<AcceptedContext> contexts = new ArrayList<>();
        long maxPdu = 0;
        String implementationClass = "";
        String implementationVersion = "";
        while (r.hasMore()) {
            int itemType = r.u8();
            r.skip(1);
            ItemReader item = r.sub(r.u16());
            switch (itemType) {
                case 0x10 -> applicationContext = item.text(item.remaining());
                case 0x21 -> contexts.add(acceptedContext(item));
                case 0x50 -> {
                    while (item.hasMore()) {
                        int subType = item.u8();
                        item.skip(1);
                        ItemReader sub = item.sub(item.u16());
                        switch (subType) {
                            case 0x51 -> maxPdu = sub.u32();
                            case 0x52 -> implementationClass = sub.text(sub.remaining());
                            case 0x55 -> implementationVersion = sub.text(sub.remaining());
                            default -> {
                                // not offered by us, so nothing to honour
                            }
                        }
                    }
                }
                default -> throw new ProtocolException("unexpected item 0x" + Integer.toHexString(itemType)
                        + " in A-ASSOCIATE-AC", ProtocolException.UNEXPECTED_PARAMETER);
            }
        }
        if (!AssociateRequest.DICOM_APPLICATION_CONTEXT.equals(applicationContext)) {
            throw new ProtocolException("A-ASSOCIATE-AC with application context '" + applicationContext + "'",
                    ProtocolException.INVALID_PARAMETER_VALUE);
        }
        return new AssociateAccept(called, calling, List.copyOf(contexts), maxPdu, implementationClass, implementationVersion);
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
