package org.deidgateway.config;

import com.fasterxml.jackson.annotation.JsonProperty;

/** One research project: which profile its data goes through and how its pseudonyms start. */
public record ProjectConfig(
        @JsonProperty("name") String name,
        @JsonProperty("profile") String profile,
        @JsonProperty("pseudonym-prefix") String pseudonymPrefix) {

    public static final String NAME_PATTERN = "[a-z0-9][a-z0-9-]{0,31}";

    /** The default prefix: the project name in upper case, '-' as '_', at most 37 characters. */
    public static String defaultPrefix(String projectName) {
        String prefix = projectName.toUpperCase(java.util.Locale.ROOT).replace('-', '_');
        return prefix.length() > 37 ? prefix.substring(0, 37) : prefix;
    }
}
