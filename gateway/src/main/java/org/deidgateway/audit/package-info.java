/**
 * The audit trail: an append-only table where each entry carries the hash of the one before, plus
 * a checkpoint of the head sealed with the installation's audit key, so that an altered, deleted
 * or cut-off entry is found by {@code deid audit verify}. Entries name pseudonyms, counts, curators
 * and reasons; never a patient's identity.
 */
package org.deidgateway.audit;
