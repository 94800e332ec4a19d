package org.deidgateway.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * One research project: which profile its data goes through, how its pseudonyms start, which
 * pseudonym scheme names its patients ({@code keyed}, the default, or {@code eupid-style}), which
 * called AE title the PACS uses to send to it (none: the project of every other AE title), and its
 * mode: {@code pseudonymized} (stage-one output is forwarded) or {@code two-stage} (it is held for
 * curation and only released cases go out, anonymized, as {@code curation} says).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ProjectConfig(
        @JsonProperty("name") String name,
        @JsonProperty("profile") String profile,
        @JsonProperty("pseudonym-prefix") String pseudonymPrefix,
        @JsonProperty("pseudonym-scheme") String pseudonymScheme,
        @JsonProperty("called-ae-title") String calledAeTitle,
        @JsonProperty("accept-screen-captures") Boolean acceptScreenCaptures,
        @JsonProperty("mode") String mode,
        @JsonProperty("curation") CurationConfig curation) {

    public static final String NAME_PATTERN = "[a-z0-9][a-z0-9-]{0,31}";
    public static final String SCHEME_KEYED = "keyed";
    public static final String SCHEME_EUPID_STYLE = "eupid-style";
    public static final String MODE_PSEUDONYMIZED = "pseudonymized";
    public static final String MODE_TWO_STAGE = "two-stage";

    /** The creator Jackson uses (records with a second constructor need it named). */
    @JsonCreator
    public ProjectConfig {
    }

    public ProjectConfig(String name, String profile, String pseudonymPrefix) {
        this(name, profile, pseudonymPrefix, null, null, null, null, null);
    }

    public ProjectConfig(String name, String profile, String pseudonymPrefix, String pseudonymScheme) {
        this(name, profile, pseudonymPrefix, pseudonymScheme, null, null, null, null);
    }

    /** Whether stage-one output is held for curation instead of forwarded. */
    public boolean twoStage() {
        return MODE_TWO_STAGE.equals(mode);
    }

    public CurationConfig curationOrDefault() {
        return curation == null ? CurationConfig.DEFAULT : curation;
    }

    public ProjectConfig withProfile(String newProfile) {
        return new ProjectConfig(name, newProfile, pseudonymPrefix, pseudonymScheme, calledAeTitle, acceptScreenCaptures,
                mode, curation);
    }

    public ProjectConfig withCalledAeTitle(String newCalledAeTitle) {
        return new ProjectConfig(name, profile, pseudonymPrefix, pseudonymScheme, newCalledAeTitle, acceptScreenCaptures,
                mode, curation);
    }

    public ProjectConfig withAcceptScreenCaptures(Boolean accept) {
        return new ProjectConfig(name, profile, pseudonymPrefix, pseudonymScheme, calledAeTitle, accept, mode, curation);
    }

    public ProjectConfig withMode(String newMode) {
        return new ProjectConfig(name, profile, pseudonymPrefix, pseudonymScheme, calledAeTitle, acceptScreenCaptures,
                newMode, curation);
    }

    public ProjectConfig withCuration(CurationConfig newCuration) {
        return new ProjectConfig(name, profile, pseudonymPrefix, pseudonymScheme, calledAeTitle, acceptScreenCaptures,
                mode, newCuration);
    }

    /** Whether Secondary Capture and Ultrasound objects are forwarded rather than quarantined. */
    public boolean acceptsScreenCaptures() {
        return Boolean.TRUE.equals(acceptScreenCaptures);
    }

    /** The scheme, {@code keyed} when the config does not say. */
    public String scheme() {
        return pseudonymScheme == null ? SCHEME_KEYED : pseudonymScheme;
    }

    /** The default prefix: the project name in upper case, '-' as '_', at most 37 characters. */
    public static String defaultPrefix(String projectName) {
        String prefix = projectName.toUpperCase(java.util.Locale.ROOT).replace('-', '_');
        return prefix.length() > 37 ? prefix.substring(0, 37) : prefix;
    }
}
