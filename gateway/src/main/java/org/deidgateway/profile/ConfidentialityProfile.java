package org.deidgateway.profile;

import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A named confidentiality profile: the Basic Application Level Confidentiality Profile plus
 * options, plus per-tag overrides for project needs.
 */
public record ConfidentialityProfile(String name, String description, Set<ProfileOption> options,
                                     Map<Integer, TagOverride> overrides) {

    public ConfidentialityProfile {
        options = options.isEmpty() ? Collections.unmodifiableSet(EnumSet.noneOf(ProfileOption.class))
                : Collections.unmodifiableSet(EnumSet.copyOf(options));
        overrides = Map.copyOf(overrides);
        if (options.contains(ProfileOption.RETAIN_LONGITUDINAL_FULL_DATES)
                && options.contains(ProfileOption.RETAIN_LONGITUDINAL_MODIFIED_DATES)) {
            throw new IllegalArgumentException("profile '" + name + "' combines retain-longitudinal-full-dates and "
                    + "retain-longitudinal-modified-dates; a profile keeps dates either in full or shifted");
        }
    }

    /**
     * Whether the profile puts a pseudonym into the data: then a correspondence table links it back,
     * and the installation needs a curator who can open it. An anonymizing profile's pseudonym
     * override gets a random per-run ID that no table links back, so it does not count.
     */
    public boolean pseudonymizes() {
        return !anonymizes() && overrides.values().stream().anyMatch(o -> o.action() == Action.PSEUDONYM);
    }

    /**
     * Whether the profile is an anonymizing stage: it keeps dates shifted by a per-patient offset,
     * which exists only within one run, so identities, UIDs and offsets are drawn per run and kept
     * nowhere.
     */
    public boolean anonymizes() {
        return options.contains(ProfileOption.RETAIN_LONGITUDINAL_MODIFIED_DATES);
    }

    /** The same profile with one more override, unless the profile already has its own for that tag. */
    public ConfidentialityProfile withOverrideUnlessSet(TagOverride override) {
        if (overrides.containsKey(override.tag())) {
            return this;
        }
        Map<Integer, TagOverride> more = new java.util.HashMap<>(overrides);
        more.put(override.tag(), override);
        return new ConfidentialityProfile(name, description, options, more);
    }

    public boolean has(ProfileOption option) {
        return options.contains(option);
    }

    /** Options in the order of CID 7050, for the DeidentificationMethodCodeSequence. */
    /**
     * The options that apply to every object, in code order: Clean Pixel Data is left out, since it
     * is recorded only on the objects whose pixels were cleaned.
     */
    public List<ProfileOption> optionsInCodeOrder() {
        return options.stream().filter(ProfileOption::inTable).sorted((a, b) -> a.code().compareTo(b.code())).toList();
    }
}
