/**
 * Keyed, deterministic replacement of identifiers: per-project, per-purpose keys derived from the
 * project master secret, patient pseudonyms, UID remapping and value hashing. Pure functions of
 * the key and the input; no state is kept, so every machine holding the keystore agrees.
 */
package org.deidgateway.pseudonym;
