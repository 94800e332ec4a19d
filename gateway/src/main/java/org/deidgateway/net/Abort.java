package org.deidgateway.net;

/** An A-ABORT as received (PS3.8 9.3.8, Table 9-26), for a message that says who gave up and why. */
public record Abort(int source, int reason) {

    /** A malformed abort is still an abort: the association is over either way. */
    public static Abort parse(byte[] body) {
        return body.length == 4 ? new Abort(body[2] & 0xFF, body[3] & 0xFF) : new Abort(-1, -1);
    }

    public String describe() {
        if (source == 0) {
            // the reason field is not significant when the service user aborts
            return "aborted by the called application";
        }
        String why = switch (reason) {
            case 0 -> "reason not specified";
            case ProtocolException.UNRECOGNIZED_PDU -> "unrecognized PDU";
            case ProtocolException.UNEXPECTED_PDU -> "unexpected PDU";
            case ProtocolException.UNRECOGNIZED_PARAMETER -> "unrecognized PDU parameter";
            case ProtocolException.UNEXPECTED_PARAMETER -> "unexpected PDU parameter";
            case ProtocolException.INVALID_PARAMETER_VALUE -> "invalid PDU parameter value";
            default -> "reason " + reason;
        };
        return (source == 2 ? "aborted by the peer's protocol layer: " : "aborted (source " + source + "): ") + why;
    }
}
