package org.deidgateway.profile;

/**
 * What the engine does to one attribute, after the table's composite codes, the profile's options
 * and its overrides have been resolved. On a sequence, KEEP, CLEAN and DUMMY keep the sequence and
 * apply the rules to every item, in that mode.
 */
public enum Action {
    KEEP("keep"),
    REMOVE("remove"),
    EMPTY("empty"),
    DUMMY("dummy"),
    CLEAN("clean"),
    REMAP_UID("remap-uid"),
    /** Sequences whose contained instance UIDs must be replaced (X/Z/U*): kept, UIDs remapped by their own rows. */
    KEEP_REMAP_UIDS("keep-remap-uids"),
    PSEUDONYM("pseudonym"),
    REPLACE("replace"),
    HASH("hash");

    private final String yamlName;

    Action(String yamlName) {
        this.yamlName = yamlName;
    }

    public String yamlName() { return yamlName; }

    public static Action byYamlName(String name) {
        for (Action a : values()) {
            if (a.yamlName.equalsIgnoreCase(name.trim())) {
                return a;
            }
        }
        throw new IllegalArgumentException("unknown action '" + name + "' (expected one of keep, remove, empty, "
                + "dummy, clean, remap-uid, pseudonym, replace, hash)");
    }
}
