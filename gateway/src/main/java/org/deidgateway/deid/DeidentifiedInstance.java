package org.deidgateway.deid;

import org.deidgateway.pseudonym.PatientIdentity;

import java.util.List;

/**
 * What de-identifying one object produced, for naming the output, and what it replaced, for the
 * correspondence table. {@link #toString()} leaves out the original values, so that a careless log
 * line cannot leak them.
 */
public record DeidentifiedInstance(String pseudonym, PatientIdentity patient, String originalStudyInstanceUid,
                                   String originalAccessionNumber, String studyDate, String studyInstanceUid,
                                   String seriesInstanceUid, String sopInstanceUid, String sopClassUid,
                                   List<Integer> emptiedTags, List<Integer> unreadableTags) {

    /**
     * @param emptiedTags    attributes whose values did not match their VR and were emptied rather than kept
     * @param unreadableTags UN elements that could not be read as their VR and were removed
     */
    public DeidentifiedInstance {
        emptiedTags = List.copyOf(emptiedTags);
        unreadableTags = List.copyOf(unreadableTags);
    }

    /** Tags as (gggg,eeee), for a log line. */
    public static String tags(List<Integer> tags) {
        return tags.stream().map(t -> String.format("(%04X,%04X)", t >>> 16, t & 0xFFFF))
                .collect(java.util.stream.Collectors.joining(" ", "[", "]"));
    }

    @Override
    public String toString() {
        return "DeidentifiedInstance[pseudonym=" + pseudonym + ", study=" + studyInstanceUid + ", sop=" + sopInstanceUid + "]";
    }
}
