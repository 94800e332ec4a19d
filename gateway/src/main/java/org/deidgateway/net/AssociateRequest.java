package org.deidgateway.net;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** An A-ASSOCIATE-RQ as parsed (PS3.8 9.3.2): who calls whom, what they propose, and their limits. */
public record AssociateRequest(String calledAeTitle, String callingAeTitle, String applicationContext,
                               List<ProposedContext> contexts, long peerMaxPduLength, String implementationClassUid,
                               String implementationVersionName) {

    public static final String DICOM_APPLICATION_CONTEXT = "1.2.840.10008.3.1.1.1";

    /** One proposed presentation context: an odd ID, an abstract syntax, transfer syntaxes in the peer's order. */
    public record ProposedContext(int id, String abstractSyntax, List<String> transferSyntaxes) {
    }

    public static AssociateRequest parse(byte[] body) throws ProtocolException {
        AssociateBody b = AssociateBody.parse(body, 0x20, "A-ASSOCIATE-RQ");
        if (b.applicationContext() == null) {
            throw new ProtocolException("A-ASSOCIATE-RQ without application context", ProtocolException.INVALID_PARAMETER_VALUE);
        }
        List<ProposedContext> contexts = new ArrayList<>();
        Set<Integer> ids = new HashSet<>();
        for (ItemReader item : b.contextItems()) {
            ProposedContext context = proposedContext(item);
            requireValidId(context.id(), ids);
            contexts.add(context);
        }
        return new AssociateRequest(b.calledAeTitle(), b.callingAeTitle(), b.applicationContext(), List.copyOf(contexts),
                b.maxPduLength(), b.implementationClassUid(), b.implementationVersionName());
    }

    /**
     * PS3.8 9.3.2.2: odd, 1-255, unique within the request. A repeated ID was answered twice, and
     * the two sides then disagreed on which abstract and transfer syntax its data were in.
     */
    private static void requireValidId(int id, Set<Integer> seen) throws ProtocolException {
        if ((id & 1) == 0) {
            throw new ProtocolException("presentation context ID " + id + " is not odd (PS3.8 9.3.2.2)",
                    ProtocolException.INVALID_PARAMETER_VALUE);
        }
        if (!seen.add(id)) {
            throw new ProtocolException("presentation context ID " + id + " proposed twice", ProtocolException.INVALID_PARAMETER_VALUE);
        }
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
