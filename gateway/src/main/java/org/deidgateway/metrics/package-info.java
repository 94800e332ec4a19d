/**
 * What hospital IT watches: Micrometer counters, queue gauges and per-stage timers, exposed in the
 * Prometheus text format, and health (live, ready) from a small HTTP endpoint that only
 * {@code deid serve} starts. No label or value carries patient data.
 */
package org.deidgateway.metrics;
