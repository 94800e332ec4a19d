package org.deidgateway.net;

import org.deidgateway.net.AssociateRequest.ProposedContext;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Builds the A-ASSOCIATE-RQ the gateway sends when it forwards (PS3.8 9.3.2). Everything is checked
 * before encoding, because a wrong length or an even context ID would only show up as an abort from
 * the peer, with a reason far less clear than ours.
 */
public final class AssociateRequestEncoder {

    /** The same identity the receive side announces: one implementation, one UID. */
    /** Odd IDs 1..255 leave room for 128 presentation contexts (PS3.8 9.3.2.2). */
    public static final int MAX_CONTEXTS = 128;

    private AssociateRequestEncoder() {
    }

    /**
     * The whole PDU, header included. {@code maxPduLength} is the largest P-DATA-TF body we accept
     * (0 would mean unlimited, which we never announce).
     */
    public static byte[] encode(String calledAeTitle, String callingAeTitle, List<ProposedContext> contexts,
                                long maxPduLength) {
        requireAeTitle(calledAeTitle, "called");
        requireAeTitle(callingAeTitle, "calling");
        if (contexts.isEmpty() || contexts.size() > MAX_CONTEXTS) {
            throw new IllegalArgumentException("an association proposes 1 to " + MAX_CONTEXTS
                    + " presentation contexts, not " + contexts.size());
        }
        if (maxPduLength < 0 || maxPduLength > 0xFFFFFFFFL) {
            throw new IllegalArgumentException("maximum PDU length " + maxPduLength + " does not fit 32 bits");
        }
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        u16(body, 1);
        u16(body, 0);
        aeTitle(body, calledAeTitle);
        aeTitle(body, callingAeTitle);
        body.writeBytes(new byte[32]);
        item(body, 0x10, uid(AssociateRequest.DICOM_APPLICATION_CONTEXT));
        Set<Integer> ids = new HashSet<>();
        for (ProposedContext context : contexts) {
            if ((context.id() & 1) == 0 || context.id() < 1 || context.id() > 255 || !ids.add(context.id())) {
                throw new IllegalArgumentException("presentation context ID " + context.id() + " is not a fresh odd number 1-255");
            }
            if (context.transferSyntaxes().isEmpty()) {
                throw new IllegalArgumentException("presentation context " + context.id() + " proposes no transfer syntax");
            }
            ByteArrayOutputStream pc = new ByteArrayOutputStream();
            pc.write(context.id());
            pc.writeBytes(new byte[3]);
            item(pc, 0x30, uid(context.abstractSyntax()));
            for (String ts : context.transferSyntaxes()) {
                item(pc, 0x40, uid(ts));
            }
            item(body, 0x20, pc.toByteArray());
        }
        ByteArrayOutputStream user = new ByteArrayOutputStream();
        ByteArrayOutputStream max = new ByteArrayOutputStream();
        u32(max, maxPduLength);
        item(user, 0x51, max.toByteArray());
        item(user, 0x52, uid(Implementation.CLASS_UID));
        item(user, 0x55, Implementation.VERSION_NAME.getBytes(StandardCharsets.US_ASCII));
        item(body, 0x50, user.toByteArray());
        byte[] b = body.toByteArray();
        byte[] pdu = new byte[6 + b.length];
        System.arraycopy(Pdu.header(Pdu.ASSOCIATE_RQ, b.length), 0, pdu, 0, 6);
        System.arraycopy(b, 0, pdu, 6, b.length);
        return pdu;
    }

    /**
     * PS3.5 6.2: 1-16 characters of the default repertoire, no backslash or control character, not
     * all spaces. Public so that configuration can refuse a bad title long before a peer would.
     */
    public static void requireAeTitle(String title, String which) {
        if (title == null || title.isBlank() || title.length() > 16) {
            throw new IllegalArgumentException("the " + which + " AE title must have 1 to 16 characters");
        }
        for (char c : title.toCharArray()) {
            if (c < 0x20 || c > 0x7E || c == '\\') {
                throw new IllegalArgumentException("the " + which + " AE title contains a character not allowed in an AE title");
            }
        }
    }

    /** UIDs go into items unpadded (PS3.8 Annex F). */
    private static byte[] uid(String uid) {
        if (uid == null || uid.isEmpty() || uid.length() > 64 || !uid.matches("[0-9.]+")) {
            throw new IllegalArgumentException("'" + uid + "' is not a UID");
        }
        return uid.getBytes(StandardCharsets.US_ASCII);
    }

    private static void item(ByteArrayOutputStream out, int type, byte[] content) {
        out.write(type);
        out.write(0);
        u16(out, content.length);
        out.writeBytes(content);
    }

    private static void aeTitle(ByteArrayOutputStream out, String title) {
        byte[] padded = "                ".getBytes(StandardCharsets.US_ASCII);
        byte[] t = title.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(t, 0, padded, 0, t.length);
        out.writeBytes(padded);
    }

    private static void u16(ByteArrayOutputStream out, int v) {
        out.write(v >>> 8);
        out.write(v);
    }

    private static void u32(ByteArrayOutputStream out, long v) {
        out.write((int) (v >>> 24));
        out.write((int) (v >>> 16));
        out.write((int) (v >>> 8));
        out.write((int) v);
    }
}
