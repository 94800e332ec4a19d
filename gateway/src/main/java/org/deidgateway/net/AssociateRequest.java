package org.deidgateway.net;

import java.util.ArrayList;
import java.util.List;

/** An A-ASSOCIATE-RQ as parsed (PS3.8 9.3.2): who calls whom, what they propose, and their limits. */
public record AssociateRequest(String calledAeTitle, String callingAeTitle, String applicationContext,
                               List<ProposedContext> contexts, long peerMaxPduLength, String implementationClassUid,
                               String implementationVersionName) {

    public static final String DICOM_APPLICATION_CONTEXT = "1.2.840.10008.3.1.1.1";

    /** One proposed presentation context: an odd ID, an abstract syntax, transfer syntaxes in the peer's order. */
    public record ProposedContext(int id, String abstractSyntax, List<String> transferSyntaxes) {
    }

    public static AssociateRequest parse(byte[] body) throws ProtocolException {
        ItemReader r = new ItemReader(body);
        int version = r.u16();
        if ((version & 1) == 0) {
            throw new ProtocolException("protocol version " + version + " is not supported", ProtocolException.INVALID_PARAMETER_VALUE);
        }
        r.skip(2);
        String called = r.text(16);
        String calling = r.text(16);
        r.skip(32);
        String applicationContext = null;
        List<ProposedContext> contexts = new ArrayList<>();
        long maxPdu = 0;
        String implementationClass = "";
        String implementationVersion = "";
        while (r.hasMore()) {
            int itemType = r.u8();
            r.skip(1);
            ItemReader item = r.sub(r.u16());
            switch (itemType) {
                case 0x10 -> applicationContext = item.text(item.remaining());
                case 0x20 -> contexts.add(proposedContext(item));
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
                                // asynchronous operations, role selection, extended negotiation: not offered, so ignored
                            }
                        }
                    }
                }
                default -> throw new ProtocolException("unexpected item 0x" + Integer.toHexString(itemType)
                        + " in A-ASSOCIATE-RQ", ProtocolException.UNEXPECTED_PARAMETER);
            }
        }
        if (applicationContext == null) {
            throw new ProtocolException("A-ASSOCIATE-RQ without application context", ProtocolException.INVALID_PARAMETER_VALUE);
        }
        return new AssociateRequest(called, calling, applicationContext, List.copyOf(contexts), maxPdu,
                implementationClass, implementationVersion);
    }

    private static ProposedContext proposedContext(ItemReader item) throws ProtocolException {
        int id = item.u8();
        item.skip(3);
        String abstractSyntax = null;
        List<String> transferSyntaxes = new ArrayList<>();
        while (item.hasMore()) {
            int subType = item.u8();
            item.skip(1);
            ItemReader sub = item.sub(item.u16());
            String uid = sub.text(sub.remaining());
            if (subType == 0x30) {
                abstractSyntax = uid;
            } else if (subType == 0x40) {
                transferSyntaxes.add(uid);
            } else {
                throw new ProtocolException("unexpected sub-item 0x" + Integer.toHexString(subType)
                        + " in a presentation context", ProtocolException.UNEXPECTED_PARAMETER);
            }
        }
        if (abstractSyntax == null || transferSyntaxes.isEmpty()) {
            throw new ProtocolException("presentation context " + id + " lacks its abstract or transfer syntax",
                    ProtocolException.INVALID_PARAMETER_VALUE);
        }
        return new ProposedContext(id, abstractSyntax, List.copyOf(transferSyntaxes));
    }

}
