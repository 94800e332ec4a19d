package org.deidgateway.profile;

/**
 * A project's own rule for one tag, taking precedence over the table: keep, remove, empty,
 * dummy, clean, remap-uid, pseudonym, replace (with {@code value}) or hash.
 */
public record TagOverride(int tag, Action action, String value, String reason) {

    public TagOverride {
        if (action == Action.REPLACE && (value == null || value.isEmpty())) {
            throw new IllegalArgumentException("override of " + ConfidentialityTable.formatTag(tag)
                    + ": action replace needs a value");
        }
        if (action == Action.KEEP_REMAP_UIDS) {
            throw new IllegalArgumentException("override of " + ConfidentialityTable.formatTag(tag)
                    + ": keep-remap-uids is not an override action");
        }
    }
}
