package org.deidgateway.curate;

/**
 * One stage-one copy in the curation store, as its row describes it. UIDs and the study date are
 * the stage-one values (pseudonymized UIDs, dates as the project's first profile left them);
 * {@code file} is relative to the curation folder.
 */
public record HeldInstance(String project, String pseudonym, String studyUid, String seriesUid, String sopInstanceUid,
                           String sopClassUid, String modality, String studyDate, String file) {

    /** Where a held copy lives under the curation folder: one folder per project, case, study and series. */
    public static String relativeFile(String project, String pseudonym, String studyUid, String seriesUid,
                                      String sopInstanceUid) {
        return project + "/" + safe(pseudonym) + "/" + safe(studyUid) + "/" + safe(seriesUid) + "/" + safe(sopInstanceUid)
                + ".dcm";
    }

    /** Pseudonyms and UIDs are letters, digits, '-' and '.'; anything else could leave the folder. */
    private static String safe(String part) {
        String cleaned = part.replaceAll("[^A-Za-z0-9._-]", "_");
        return cleaned.isEmpty() || cleaned.startsWith(".") ? "_" + cleaned : cleaned;
    }
}
