package org.deidgateway.forward;

/**
 * The Status of a C-STORE-RSP (PS3.4 B.2.3, PS3.7 Annex C) and its Error Comment. Warnings mean
 * the object was stored; for failures {@link #permanent()} tells whether sending it again can
 * help: out of resources (0xA7xx) or a processing failure may pass later, a data set the peer
 * cannot understand (0xA9xx, 0xCxxx) or an unsupported SOP class (0x0122) will not.
 */
public record StoreStatus(int code, String errorComment) {

    public static final int SUCCESS = 0x0000;
    public static final int COERCION_OF_DATA_ELEMENTS = 0xB000;
    public static final int ELEMENTS_DISCARDED = 0xB006;
    public static final int DATA_SET_DOES_NOT_MATCH_SOP_CLASS = 0xB007;
    public static final int SOP_CLASS_NOT_SUPPORTED = 0x0122;
    public static final int PROCESSING_FAILURE = 0x0110;

    public enum Outcome { SUCCESS, WARNING, FAILURE }

    public Outcome outcome() {
        if (code == SUCCESS) {
            return Outcome.SUCCESS;
        }
        // the general warning codes of PS3.7 C.3 besides the Bxxx range of C-STORE
        if ((code & 0xF000) == 0xB000 || code == 0x0001 || code == 0x0107 || code == 0x0116) {
            return Outcome.WARNING;
        }
        return Outcome.FAILURE;
    }

    /** Whether the destination now holds the object (with or without a warning). */
    public boolean stored() {
        return outcome() != Outcome.FAILURE;
    }

    /** A failure that will repeat if the same object is sent again; false for success and warnings. */
    public boolean permanent() {
        if (stored()) {
            return false;
        }
        int high = code & 0xFF00;
        if (high == 0xA900 || (code & 0xF000) == 0xC000) {
            return true;
        }
        // general failures 01xx/02xx are about the request itself, except those about the peer's state
        if (high == 0x0100 || high == 0x0200) {
            return code != PROCESSING_FAILURE && code != 0x0210 && code != 0x0213;
        }
        // 0xA7xx out of resources, cancel, unexpected pending, and codes we do not know: worth another try
        return false;
    }

    /** For example "0xA700 (failure, transient): out of disk". */
    public String describe() {
        String kind = switch (outcome()) {
            case SUCCESS -> "success";
            case WARNING -> "warning";
            case FAILURE -> permanent() ? "failure, permanent" : "failure, transient";
        };
        String text = String.format("0x%04X (%s)", code, kind);
        return errorComment == null || errorComment.isEmpty() ? text : text + ": " + errorComment;
    }
}
