package org.deidgateway.profile;

/**
 * An action code as written in PS3.15 Table E.1-1, including the composite codes whose choice
 * depends on the IOD (for example X/Z: remove, unless Type 2, then empty).
 */
public enum TableAction {
    D("D", "replace with a non-zero length dummy value consistent with the VR"),
    Z("Z", "replace with a zero length value, or a dummy value"),
    X("X", "remove"),
    K("K", "keep"),
    C("C", "clean: keep, with identifying information removed"),
    U("U", "replace the UID with a non-zero length UID that is internally consistent"),
    Z_D("Z/D", "Z, unless D is required to keep the IOD valid (Type 2 versus Type 1)"),
    X_Z("X/Z", "X, unless Z is required to keep the IOD valid (Type 3 versus Type 2)"),
    X_D("X/D", "X, unless D is required to keep the IOD valid (Type 3 versus Type 1)"),
    X_Z_D("X/Z/D", "X, unless Z or D is required to keep the IOD valid (Type 3, 2 or 1)"),
    X_Z_U_STAR("X/Z/U*", "X, unless Z or replacing contained instance UIDs (U) is required to keep the IOD valid");

    private final String code;
    private final String meaning;

    TableAction(String code, String meaning) {
        this.code = code;
        this.meaning = meaning;
    }

    public String code() { return code; }
    public String meaning() { return meaning; }

    public static TableAction parse(String code) {
        for (TableAction a : values()) {
            if (a.code.equals(code.trim())) {
                return a;
            }
        }
        throw new IllegalArgumentException("unknown Table E.1-1 action code '" + code + "'");
    }
}
