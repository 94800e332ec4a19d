package org.deidgateway.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * One research project: which profile its data goes through, how its pseudonyms start, which
 * pseudonym scheme names its patients ({@code keyed}, the default, or {@code eupid-style}), and
 * which called AE title the PACS uses to send to it (none: the project of every other AE title).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ProjectConfig(
        @JsonProperty("name") String name,
        @JsonProperty("profile") String profile,
        @JsonProperty("pseudonym-prefix") String pseudonymPrefix,
        @JsonProperty("pseudonym-scheme") String pseudonymScheme,
        @JsonProperty("called-ae-title") String calledAeTitle,
        @JsonProperty("accept-screen-captures") Boolean acceptScreenCaptures) {

    public static final String NAME_PATTERN = "[a-z0-9][a-z0-9-]{0,31}";
    public static final String SCHEME_KEYED = "keyed";
    public static final String SCHEME_EUPID_STYLE = "eupid-style";

    /** The creator Jackson uses (records with a second constructor need it named). */
    @JsonCreator
    public ProjectConfig {
    }

    public ProjectConfig(String name, String profile, String pseudonymPrefix) {
        this(name, profile, pseudonymPrefix, null, null, null);
    }

    public ProjectConfig(String name, String profile, String pseudonymPrefix, String pseudonymScheme) {
        this(name, profile, pseudonymPrefix, pseudonymScheme, null, null);
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
