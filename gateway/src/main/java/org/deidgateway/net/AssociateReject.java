package org.deidgateway.net;

/**
 * An A-ASSOCIATE-RJ (PS3.8 9.3.4, Table 9-21). Its result says whether trying again later can help
 * (transient) or not (permanent): the forwarding queue retries on the one and gives up on the other.
 */
public record AssociateReject(int result, int source, int reason) {

    public static final int PERMANENT = 1;
    public static final int TRANSIENT = 2;

    public static AssociateReject parse(byte[] body) throws ProtocolException {
        if (body.length != 4) {
            throw new ProtocolException("A-ASSOCIATE-RJ of " + body.length + " bytes instead of 4", ProtocolException.INVALID_PARAMETER_VALUE);
        }
        return new AssociateReject(body[1] & 0xFF, body[2] & 0xFF, body[3] & 0xFF);
    }

    public boolean permanent() {
        return result != TRANSIENT;
    }

    /** For example "rejected permanently by the called application: called AE title not recognized". */
    public String describe() {
        String kind = switch (result) {
            case PERMANENT -> "rejected permanently";
            case TRANSIENT -> "rejected for now";
            default -> "rejected (result " + result + ")";
        };
        return kind + " by " + sourceName() + ": " + reasonName();
    }

    private String sourceName() {
        return switch (source) {
            case 1 -> "the called application";
            case 2 -> "the peer's association control (ACSE)";
            case 3 -> "the peer's presentation layer";
            default -> "source " + source;
        };
    }

    private String reasonName() {
        return switch (source * 256 + reason) {
            case 0x101, 0x201 -> "no reason given";
            case 0x102 -> "application context not supported";
            case 0x103 -> "calling AE title not recognized";
            case 0x107 -> "called AE title not recognized";
            case 0x202 -> "protocol version not supported";
            case 0x301 -> "temporary congestion";
            case 0x302 -> "local limit exceeded";
            default -> "reason " + reason;
        };
    }
}
