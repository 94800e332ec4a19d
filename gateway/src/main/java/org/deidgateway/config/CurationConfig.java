package org.deidgateway.config;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * How a two-stage project releases its held cases: the profile of the second (anonymizing) stage,
 * the release criterion a curator sees in {@code deid curation list}, the range of the per-patient
 * date offset, and how long the stage-one copies of a released case stay in the home.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record CurationConfig(
        @JsonProperty("release-profile") String releaseProfile,
        @JsonProperty("min-follow-up-months") Integer minFollowUpMonths,
        @JsonProperty("max-shift-days") Integer maxShiftDays,
        @JsonProperty("whole-weeks") Boolean wholeWeeks,
        @JsonProperty("keep-released-days") Integer keepReleasedDays) {

    public static final CurationConfig DEFAULT = new CurationConfig(null, null, null, null, null);
    public static final String DEFAULT_RELEASE_PROFILE = "anonymize";
    public static final int DEFAULT_MAX_SHIFT_DAYS = 180;
    public static final int MAX_SHIFT_DAYS_LIMIT = 3650;

    public String releaseProfileOrDefault() {
        return releaseProfile == null ? DEFAULT_RELEASE_PROFILE : releaseProfile;
    }

    /** Months between a case's first and last study for it to count as complete; 0: no criterion. */
    public int minFollowUpMonthsOrZero() {
        return minFollowUpMonths == null ? 0 : minFollowUpMonths;
    }

    public int maxShiftDaysOrDefault() {
        return maxShiftDays == null ? DEFAULT_MAX_SHIFT_DAYS : maxShiftDays;
    }

    public boolean wholeWeeksOrFalse() {
        return Boolean.TRUE.equals(wholeWeeks);
    }

    /** Days the stage-one copies of a released case stay; 0 (the default): deleted by the release itself. */
    public int keepReleasedDaysOrZero() {
        return keepReleasedDays == null ? 0 : keepReleasedDays;
    }

    public CurationConfig withReleaseProfile(String value) {
        return new CurationConfig(value, minFollowUpMonths, maxShiftDays, wholeWeeks, keepReleasedDays);
    }

    public CurationConfig withMinFollowUpMonths(Integer value) {
        return new CurationConfig(releaseProfile, value, maxShiftDays, wholeWeeks, keepReleasedDays);
    }

    public CurationConfig withMaxShiftDays(Integer value) {
        return new CurationConfig(releaseProfile, minFollowUpMonths, value, wholeWeeks, keepReleasedDays);
    }

    public CurationConfig withWholeWeeks(Boolean value) {
        return new CurationConfig(releaseProfile, minFollowUpMonths, maxShiftDays, value, keepReleasedDays);
    }

    public CurationConfig withKeepReleasedDays(Integer value) {
        return new CurationConfig(releaseProfile, minFollowUpMonths, maxShiftDays, wholeWeeks, value);
    }
}
