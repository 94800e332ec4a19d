package org.deidgateway.profile;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Resolves one attribute to one action under a profile: the override if the profile has one, else
 * Table E.1-1 with the profile's options applied, else the documented default. The composite codes
 * are resolved without knowing the IOD's attribute types, so toward what keeps every IOD valid:
 * X/Z becomes an empty value (valid for Type 2 and Type 3), X/D, Z/D and X/Z/D become a dummy
 * value (valid for Type 1, 2 and 3), and X/Z/U* keeps the sequence with its instance UIDs replaced.
 * Where several options prescribe for one row, the most retaining action wins (K over C), as each
 * option states what may be retained.
 */
public final class ProfileRules {

    /** Where in a dataset an attribute sits: top level, or inside a sequence being cleaned or dummied. */
    public enum Context { TOP_LEVEL, KEPT_SEQUENCE, CLEANED_SEQUENCE, DUMMIED_SEQUENCE }

    private final ConfidentialityProfile profile;
    private final ConfidentialityTable table;
    private final SafePrivateTable safePrivate;
    private final DataDictionary dictionary;
    private final java.util.Map<Long, Decision> decided = new java.util.concurrent.ConcurrentHashMap<>();
    private static final int MAX_REMEMBERED = 50_000;

    public ProfileRules(ConfidentialityProfile profile, ConfidentialityTable table, SafePrivateTable safePrivate) {
        this(profile, table, safePrivate, DataDictionary.bundled());
    }

    public ProfileRules(ConfidentialityProfile profile, ConfidentialityTable table, SafePrivateTable safePrivate,
                        DataDictionary dictionary) {
        this.profile = profile;
        this.table = table;
        this.safePrivate = safePrivate;
        this.dictionary = dictionary;
    }

    public DataDictionary dictionary() {
        return dictionary;
    }

    public SafePrivateTable safePrivate() {
        return safePrivate;
    }

    public ConfidentialityProfile profile() {
        return profile;
    }

    public ConfidentialityTable table() {
        return table;
    }

    /**
     * The decision for a standard (even group) attribute.
     *
     * @param vr the attribute's value representation, as two letters; decides the defaults
     */
    public Decision decide(int tag, String vr, Context context) {
        if (vr == null || vr.length() != 2) {
            return decideNow(tag, vr, context);
        }
        // the same few hundred (tag, VR, context) come back in every object; the decision and its
        // explanation are built once
        long key = (tag & 0xFFFFFFFFL) << 32 | (long) vr.charAt(0) << 16 | (long) vr.charAt(1) << 8 | context.ordinal();
        Decision known = decided.get(key);
        if (known == null) {
            known = decideNow(tag, vr, context);
            if (decided.size() < MAX_REMEMBERED) {
                // bounded: objects full of made-up tags must not grow it without end
                decided.put(key, known);
            }
        }
        return known;
    }

    private Decision decideNow(int tag, String vr, Context context) {
        TagOverride override = profile.overrides().get(tag);
        if (override != null) {
            String why = override.reason() == null || override.reason().isBlank() ? "" : ": " + override.reason();
            return new Decision(override.action(), "override in profile '" + profile.name() + "'" + why);
        }
        Optional<TableRow> row = table.rowFor(tag);
        Decision decision = row.isPresent() ? fromTable(row.get()) : null;
        if (decision != null && (tag >>> 16) == 0x0002) {
            return decision;
        }
        if ((tag >>> 16) == 0x0002) {
            return new Decision(Action.REMOVE, "file meta information: rewritten for every output");
        }
        if ((tag & 0xFFFF) == 0x0000) {
            return new Decision(Action.REMOVE, "group length: recomputed by the writer if needed");
        }
        Optional<DataDictionary.Entry> entry = dictionary.entry(tag);
        if (entry.isEmpty() || entry.get().vrs().isEmpty()) {
            // the table is the authority for its own rows even where the dictionary is silent
            return decision != null ? decision : new Decision(Action.REMOVE, "not in the PS3.6 data dictionary (2024e): "
                    + "an element of unknown meaning cannot be judged safe, removed");
        }
        if (decision == null) {
            decision = defaultFor(vr, context);
        }
        return distrustMismatchedVr(decision, entry.get(), vr);
    }

    /**
     * An element that arrives with a VR PS3.6 does not give it was written by a broken sender or
     * framed wrongly on the way (a text in a numeric attribute, bytes swallowed from the next
     * element): its value is not what the attribute means, so nothing of it is kept. UN is not a
     * mismatch: the engine reads such an element as its dictionary VR before it asks.
     */
    private static Decision distrustMismatchedVr(Decision decision, DataDictionary.Entry entry, String vr) {
        Action a = decision.action();
        boolean retains = a == Action.KEEP || a == Action.CLEAN || a == Action.KEEP_REMAP_UIDS;
        if (!retains || vr == null || "UN".equals(vr) || entry.allows(vr)) {
            return decision;
        }
        return new Decision(Action.REMOVE, decision.reason() + "; but it arrived as " + vr + " where PS3.6 gives "
                + String.join(" or ", entry.vrs()) + ": a value that does not match its attribute is not kept, removed");
    }

    /**
     * The decision for a private data element (odd group, element above 0x00FF), given the private
     * creator that reserved its block. Creator elements themselves are kept exactly when one of their
     * data elements is kept; the engine settles that.
     */
    public Decision decidePrivate(int tag, String privateCreator) {
        TagOverride override = profile.overrides().get(tag);
        if (override != null) {
            return new Decision(override.action(), "override in profile '" + profile.name() + "'");
        }
        TableRow row = table.rowFor(tag).orElseThrow();
        if (profile.has(ProfileOption.RETAIN_SAFE_PRIVATE)) {
            if (safePrivate.isSafe(privateCreator, tag)) {
                return new Decision(Action.KEEP, "Retain Safe Private: listed in Table E.3.10-1 under creator '"
                        + privateCreator + "'");
            }
            return new Decision(Action.REMOVE, "private attribute not in Table E.3.10-1 for its creator: removed (" +
                    row.basicAction().code() + ")");
        }
        return new Decision(Action.REMOVE, "Table E.1-1 '" + row.name() + "': Basic Profile X (remove)");
    }

    private Decision fromTable(TableRow row) {
        List<String> applied = new ArrayList<>();
        TableAction chosen = null;
        for (ProfileOption option : profile.options()) {
            Optional<TableAction> action = row.actionUnder(option);
            if (action.isEmpty()) {
                continue;
            }
            applied.add(option.codeMeaning() + " " + action.get().code());
            if (chosen == null || retention(action.get()) > retention(chosen)) {
                chosen = action.get();
            }
        }
        String basis;
        if (chosen == null) {
            chosen = row.basicAction();
            basis = "Basic Profile " + chosen.code();
        } else {
            basis = String.join(", ", applied) + " (Basic Profile " + row.basicAction().code() + ")";
        }
        Action action = concrete(chosen);
        String shifted = action == Action.CLEAN && profile.has(ProfileOption.RETAIN_LONGITUDINAL_MODIFIED_DATES)
                && row.actionUnder(ProfileOption.RETAIN_LONGITUDINAL_MODIFIED_DATES).filter(a -> a == TableAction.C).isPresent()
                ? " (a date or date-time: shifted by the patient's offset)" : "";
        return new Decision(action, "Table E.1-1 '" + row.name() + "': " + basis + " -> " + action.yamlName()
                + compositeNote(chosen) + shifted);
    }

    private static int retention(TableAction action) {
        return switch (action) {
            case K -> 3;
            case C -> 2;
            default -> 1;
        };
    }

    static Action concrete(TableAction action) {
        return switch (action) {
            case K -> Action.KEEP;
            case X -> Action.REMOVE;
            case Z, X_Z -> Action.EMPTY;
            case D, Z_D, X_D, X_Z_D -> Action.DUMMY;
            case C -> Action.CLEAN;
            case U -> Action.REMAP_UID;
            case X_Z_U_STAR -> Action.KEEP_REMAP_UIDS;
        };
    }

    private static String compositeNote(TableAction action) {
        return switch (action) {
            case X_Z -> " (Type 2 needs Z; empty is valid for Type 3 too)";
            case Z_D, X_D, X_Z_D -> " (Type 1 needs D; a dummy is valid for every type)";
            case X_Z_U_STAR -> " (sequence kept, instance UIDs in its items replaced)";
            default -> "";
        };
    }

    private static Decision defaultFor(String vr, Context context) {
        boolean freeText = "UT".equals(vr) || "LT".equals(vr) || "ST".equals(vr);
        if ("PN".equals(vr)) {
            return context == Context.CLEANED_SEQUENCE || context == Context.DUMMIED_SEQUENCE
                    ? new Decision(Action.DUMMY, "not in Table E.1-1, a person name inside structured content: dummy")
                    : new Decision(Action.EMPTY, "not in Table E.1-1 but a person name (PN): emptied by default");
        }
        if (freeText && context == Context.CLEANED_SEQUENCE) {
            return new Decision(Action.CLEAN, "not in Table E.1-1, free text inside content being cleaned: cleaned");
        }
        if (freeText && context == Context.DUMMIED_SEQUENCE) {
            return new Decision(Action.DUMMY, "not in Table E.1-1, free text inside content being replaced: dummy");
        }
        return new Decision(Action.KEEP, "not in Table E.1-1 but in PS3.6: kept (documented default for standard "
                + "attributes), its values only if they match their VR");
    }
}
