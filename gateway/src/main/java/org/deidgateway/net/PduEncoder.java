package org.deidgateway.net;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** Builds the PDUs the gateway sends (PS3.8 9.3), header included. */
public final class PduEncoder {

    /** The result of negotiating one presentation context: PS3.8 Table 9-18. */
    public record AcceptedContext(int id, int result, String transferSyntax) {
        public static final int ACCEPTANCE = 0;
        public static final int USER_REJECTION = 1;
        public static final int ABSTRACT_SYNTAX_NOT_SUPPORTED = 3;
        public static final int TRANSFER_SYNTAXES_NOT_SUPPORTED = 4;
    }

    private PduEncoder() {
    }

    public static byte[] associateAccept(AssociateRequest request, List<AcceptedContext> contexts, long maxPduLength,
                                         String implementationClassUid, String implementationVersionName) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        u16(body, 1);
        u16(body, 0);
        // called and calling AE titles are echoed; PS3.8 says they are not tested on receipt
        aeTitle(body, request.calledAeTitle());
        aeTitle(body, request.callingAeTitle());
        body.writeBytes(new byte[32]);
        item(body, 0x10, ascii(AssociateRequest.DICOM_APPLICATION_CONTEXT));
        for (AcceptedContext context : contexts) {
            ByteArrayOutputStream pc = new ByteArrayOutputStream();
            pc.write(context.id());
            pc.write(0);
            pc.write(context.result());
            pc.write(0);
            // with a rejection the transfer syntax sub-item is still sent and not significant
            item(pc, 0x40, ascii(context.transferSyntax() == null ? "1.2.840.10008.1.2" : context.transferSyntax()));
            item(body, 0x21, pc.toByteArray());
        }
        body.write(0x50);
        body.write(0);
        ByteArrayOutputStream user = new ByteArrayOutputStream();
        ByteArrayOutputStream max = new ByteArrayOutputStream();
        u32(max, maxPduLength);
        item(user, 0x51, max.toByteArray());
        item(user, 0x52, ascii(implementationClassUid));
        item(user, 0x55, ascii(implementationVersionName));
        u16(body, user.size());
        body.writeBytes(user.toByteArray());
        return pdu(Pdu.ASSOCIATE_AC, body.toByteArray());
    }

    /** A-ASSOCIATE-RJ: result 1 permanent / 2 transient, source and reason per PS3.8 Table 9-21. */
    public static byte[] associateReject(int result, int source, int reason) {
        return pdu(Pdu.ASSOCIATE_RJ, new byte[] {0, (byte) result, (byte) source, (byte) reason});
    }

    /** A-ABORT: source 0 service user, 2 service provider; reason per PS3.8 Table 9-26. */
    public static byte[] abort(int source, int reason) {
        return pdu(Pdu.ABORT, new byte[] {0, 0, (byte) source, (byte) reason});
    }

    public static byte[] releaseRequest() {
        return pdu(Pdu.RELEASE_RQ, new byte[4]);
    }

    public static byte[] releaseResponse() {
        return pdu(Pdu.RELEASE_RP, new byte[4]);
    }

    /** One P-DATA-TF with one presentation data value; {@code command} and {@code last} set its control header. */
    public static byte[] pData(int contextId, boolean command, boolean last, byte[] data, int offset, int length) {
        byte[] pdu = new byte[6 + 4 + 2 + length];
        System.arraycopy(Pdu.header(Pdu.P_DATA_TF, 4 + 2 + length), 0, pdu, 0, 6);
        int pdvLength = 2 + length;
        pdu[6] = (byte) (pdvLength >>> 24);
        pdu[7] = (byte) (pdvLength >>> 16);
        pdu[8] = (byte) (pdvLength >>> 8);
        pdu[9] = (byte) pdvLength;
        pdu[10] = (byte) contextId;
        pdu[11] = (byte) ((command ? 1 : 0) | (last ? 2 : 0));
        System.arraycopy(data, offset, pdu, 12, length);
        return pdu;
    }

    private static byte[] pdu(int type, byte[] body) {
        byte[] pdu = new byte[6 + body.length];
        System.arraycopy(Pdu.header(type, body.length), 0, pdu, 0, 6);
        System.arraycopy(body, 0, pdu, 6, body.length);
        return pdu;
    }

    private static void item(ByteArrayOutputStream out, int type, byte[] content) {
        out.write(type);
        out.write(0);
        u16(out, content.length);
        out.writeBytes(content);
    }

    private static void aeTitle(ByteArrayOutputStream out, String title) {
        byte[] padded = new byte[16];
        java.util.Arrays.fill(padded, (byte) ' ');
        byte[] t = ascii(title);
        System.arraycopy(t, 0, padded, 0, Math.min(16, t.length));
        out.writeBytes(padded);
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
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
