/**
 * Replacement of identifiers: per-project, per-purpose keys derived from the project master secret,
 * keyed patient pseudonyms (also the blind index of the correspondence table), UID remapping and
 * value hashing, all pure functions of key and input; and the pseudonym schemes a project can
 * choose, behind {@link org.deidgateway.pseudonym.PseudonymScheme}. Stateful schemes (EUPID-style)
 * reach their table only through {@link org.deidgateway.pseudonym.PseudonymDirectory}.
 */
package org.deidgateway.pseudonym;
