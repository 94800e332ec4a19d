/**
 * From the spool to the outbox: each received object is read, routed to its project, checked for
 * burned-in annotation risk, de-identified with the engine, its link sealed in the vault, and
 * written once for all destinations (the original stays until every destination has its copy); or,
 * for a two-stage project, written to the curation store and held there for a curator's release;
 * or it goes to the quarantine with its reason. Never forwards what it could not de-identify.
 */
package org.deidgateway.pipeline;
