/**
 * The installation's embedded store: the SQLite database (opening it in WAL mode, its schema,
 * transactions, and turning SQLite's failures (locked, read-only, full disk, not a database) into
 * clear errors), and the recycling of the spool's and the outbox's files. Knows tables and files,
 * not what they mean; the vault and the audit own their rows, the pipeline its files.
 */
package org.deidgateway.store;
