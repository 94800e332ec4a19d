package org.deidgateway.catalog;

import org.deidgateway.metrics.GatewayMetrics;
import org.deidgateway.store.StoreException;
import org.jboss.logging.Logger;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Prometheus gauges of each project's catalog totals. Counting distinct patients reads the whole
 * catalog, so the gauges show the last count instead of counting per scrape: a count is made
 * after new objects were recorded, at most every 5 s and never taking more than a twentieth of the time.
 */
public final class CatalogGauges {

    private static final Logger LOG = Logger.getLogger(CatalogGauges.class);
    private static final long MIN_INTERVAL_NANOS = 5_000_000_000L;

    private final CatalogStore store;
    private final List<String> projects;
    private final Map<String, CatalogStore.Cell> latest = new ConcurrentHashMap<>();
    private volatile boolean changed = true;
    private long nextAllowed;
    private boolean failing;

    public CatalogGauges(CatalogStore store, List<String> projects, GatewayMetrics metrics) {
        this.store = store;
        this.projects = List.copyOf(projects);
        for (String p : projects) {
            metrics.gauge("deid.catalog.patients", "patients in the project's catalog (distinct pseudonyms)",
                    () -> count(p, CatalogStore.Cell::patients), "project", p);
            metrics.gauge("deid.catalog.studies", "studies in the project's catalog", () -> count(p, CatalogStore.Cell::studies),
                    "project", p);
            metrics.gauge("deid.catalog.series", "series in the project's catalog", () -> count(p, CatalogStore.Cell::series),
                    "project", p);
            metrics.gauge("deid.catalog.instances", "instances in the project's catalog",
                    () -> count(p, CatalogStore.Cell::instances), "project", p);
        }
    }

    /** New objects were recorded: count again when allowed. */
    public void changed() {
        changed = true;
    }

    /** Called every second or so by the housekeeping thread. */
    public synchronized void tick() {
        long now = System.nanoTime();
        if (!changed || now - nextAllowed < 0) {
            return;
        }
        changed = false;
        try {
            for (String p : projects) {
                latest.put(p, store.totals(p));
            }
            if (failing) {
                LOG.info("catalog gauges: counting again");
                failing = false;
            }
        } catch (StoreException | RuntimeException e) {
            // a scheduled task that throws is never run again: the gauges would freeze unseen
            changed = true;
            if (!failing) {
                LOG.warnf("catalog gauges: cannot count (%s); showing the last counts",
                        e instanceof StoreException se ? se.reason() : e.getClass().getSimpleName());
                failing = true;
            }
        }
        long took = System.nanoTime() - now;
        nextAllowed = System.nanoTime() + Math.max(MIN_INTERVAL_NANOS, 20 * took);
    }

    private double count(String project, java.util.function.ToLongFunction<CatalogStore.Cell> which) {
        CatalogStore.Cell c = latest.get(project);
        return c == null ? Double.NaN : which.applyAsLong(c);
    }
}
