package org.deidgateway.deid;

/**
 * Where the engine gets the day offset of a patient when a profile keeps dates shifted (Retain
 * Longitudinal Temporal Information Modified Dates). One offset per patient, the same for all of
 * that patient's objects, so that intervals between studies survive.
 */
@FunctionalInterface
public interface PatientDateOffsets {

    /**
     * The whole number of days to add to every date of the patient with this link key (the keyed
     * value the engine computes from Issuer of Patient ID and Patient ID). Never 0.
     */
    int offsetDaysFor(String linkKey);
}
