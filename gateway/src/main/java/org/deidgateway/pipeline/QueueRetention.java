package org.deidgateway.pipeline;

import org.deidgateway.store.Database;
import org.deidgateway.store.StoreException;
import org.jboss.logging.Logger;

import java.sql.PreparedStatement;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * Forgets finished objects: a gateway that keeps a row per object received and per delivery grows
 * its database by about a kilobyte per object for ever, and a hospital sends hundreds of thousands
 * a month. An object is finished when every destination has it (its delivery rows are all
 * delivered), when it was held for a curator, or when its quarantined original was deleted; its
 * rows go once it finished longer ago than the retention. What is pending, a dead letter, or in
 * the quarantine stays whatever its age. The audit trail, not these rows, is the history.
 */
public final class QueueRetention {

    /** What one pass forgot. */
    public record Forgotten(int deliveries, int objects) {
    }

    private static final Logger LOG = Logger.getLogger(QueueRetention.class);

    private QueueRetention() {
    }

    /** One pass for the daemon's housekeeping: logs what it forgot, and a failure instead of throwing it. */
    public static void forgetQuietly(Database db, int days) {
        try {
            Forgotten f = forget(db, days, Instant.now());
            if (f.deliveries() > 0 || f.objects() > 0) {
                LOG.infof("queue: forgot %d delivery records and %d objects finished more than %d days ago",
                        f.deliveries(), f.objects(), days);
            }
        } catch (StoreException | RuntimeException e) {
            LOG.warnf("queue: finished objects not forgotten this time: %s", e.getMessage());
        }
    }

    /** Forgets what finished more than {@code days} days before {@code now}; nothing when days is 0. */
    public static Forgotten forget(Database db, int days, Instant now) throws StoreException {
        if (days <= 0) {
            return new Forgotten(0, 0);
        }
        // timestamps are ISO instants of differing precision: compared to the second, as text
        String before = now.minus(days, ChronoUnit.DAYS).truncatedTo(ChronoUnit.SECONDS).toString().substring(0, 19);
        return db.inRedoableTransaction(c -> {
            int deliveries;
            // an object still pending or dead somewhere keeps all its rows: if it has to be made again, the
            // destinations that had it must not be sent it again
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM outbox WHERE state = 'delivered'"
                    + " AND substr(updated_at, 1, 19) < ? AND NOT EXISTS (SELECT 1 FROM outbox o WHERE"
                    + " o.received_id = outbox.received_id AND o.state IN ('pending', 'dead'))")) {
                ps.setString(1, before);
                deliveries = ps.executeUpdate();
            }
            int objects;
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM received WHERE state IN (?, ?, 'deleted')"
                    + " AND updated_at IS NOT NULL AND substr(updated_at, 1, 19) < ?"
                    + " AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.received_id = received.id)")) {
                ps.setString(1, Processor.PROCESSED);
                ps.setString(2, Processor.HELD);
                ps.setString(3, before);
                objects = ps.executeUpdate();
            }
            return new Forgotten(deliveries, objects);
        });
    }
}
