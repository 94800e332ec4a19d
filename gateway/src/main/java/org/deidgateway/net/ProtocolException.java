package org.deidgateway.net;

/**
 * The peer broke the protocol (a malformed or oversized PDU, an item that does not fit its parent).
 * Carries the A-ABORT reason to send: PS3.8 Table 9-26.
 */
public final class ProtocolException extends Exception {

    public static final int UNRECOGNIZED_PDU = 1;
    public static final int UNEXPECTED_PDU = 2;
    public static final int UNRECOGNIZED_PARAMETER = 4;
    public static final int UNEXPECTED_PARAMETER = 5;
    public static final int INVALID_PARAMETER_VALUE = 6;

    private final int abortReason;

    public ProtocolException(String message, int abortReason) {
        super(message);
        this.abortReason = abortReason;
    }

    public int abortReason() {
        return abortReason;
    }
}
