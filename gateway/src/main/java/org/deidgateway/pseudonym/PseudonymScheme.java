package org.deidgateway.pseudonym;

/**
 * How a project names its patients. The keyed scheme uses the link key itself; the EUPID-style
 * scheme draws a random pseudonym once per patient and context. An external service (EUPID,
 * Mainzelliste, gPAS) fits here too: it gets the identity and answers a pseudonym.
 * Implementations must be thread-safe and give the same patient the same pseudonym.
 */
public interface PseudonymScheme {

    /** The default scheme: the keyed SHA-512/256 pseudonym. */
    PseudonymScheme KEYED = PatientIdentity::linkKey;

    String pseudonymFor(PatientIdentity patient) throws PseudonymException;
}
