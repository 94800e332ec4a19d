package org.deidgateway.net;

import java.util.ArrayList;
import java.util.List;

/**
 * One presentation data value inside a P-DATA-TF body, by position so nothing is copied. Every
 * length is checked against the body before it is used: a forged PDV length must not read past it.
 */
public record PresentationDataValue(int contextId, boolean command, boolean last, int offset, int length) {

    public static List<PresentationDataValue> split(byte[] body) throws ProtocolException {
        return split(body, body.length);
    }

    /** The PDVs in the first {@code bodyLength} bytes of {@code body}. */
    public static List<PresentationDataValue> split(byte[] body, int bodyLength) throws ProtocolException {
        List<PresentationDataValue> pdvs = new ArrayList<>(2);
        int p = 0;
        while (p < bodyLength) {
            if (bodyLength - p < 6) {
                throw new ProtocolException("P-DATA-TF ends inside a PDV header", ProtocolException.INVALID_PARAMETER_VALUE);
            }
            long length = ((long) (body[p] & 0xFF) << 24) | ((body[p + 1] & 0xFF) << 16) | ((body[p + 2] & 0xFF) << 8)
                    | (body[p + 3] & 0xFF);
            if (length < 2 || length > bodyLength - p - 4) {
                throw new ProtocolException("PDV length " + length + " does not fit its P-DATA-TF",
                        ProtocolException.INVALID_PARAMETER_VALUE);
            }
            int control = body[p + 5] & 0xFF;
            pdvs.add(new PresentationDataValue(body[p + 4] & 0xFF, (control & 1) != 0, (control & 2) != 0, p + 6,
                    (int) length - 2));
            p += 4 + (int) length;
        }
        if (pdvs.isEmpty()) {
            throw new ProtocolException("P-DATA-TF without a PDV", ProtocolException.INVALID_PARAMETER_VALUE);
        }
        return pdvs;
    }
}
