package org.deidgateway.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;

/** Rules for opening the correspondence table: with {@code four-eyes}, a second curator must approve. */
public record ReidentificationConfig(@JsonProperty("four-eyes") Boolean fourEyes) {

    public static final ReidentificationConfig DEFAULT = new ReidentificationConfig(false);

    /** A one-property record would otherwise be read as a delegating creator (a bare boolean). */
    @JsonCreator(mode = JsonCreator.Mode.PROPERTIES)
    public ReidentificationConfig {
    }

    public boolean fourEyesRequired() {
        return Boolean.TRUE.equals(fourEyes);
    }
}
