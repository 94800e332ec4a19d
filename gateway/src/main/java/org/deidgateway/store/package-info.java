/**
 * The installation's embedded SQLite database: opening it in WAL mode, its schema, transactions,
 * and turning SQLite's failures (locked, read-only, full disk, not a database) into clear errors.
 * Knows tables, not what they mean; the vault and the audit own their rows.
 */
package org.deidgateway.store;
