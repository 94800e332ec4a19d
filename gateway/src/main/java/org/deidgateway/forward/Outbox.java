package org.deidgateway.forward;

import org.deidgateway.store.Database;
import org.deidgateway.store.StoreException;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;

/**
 * The durable outbox: one row per object and destination, pending until delivered. Retries back
 * off exponentially; permanent refusals become dead letters with the peer's reason.
 */
public final class Outbox {

    public static final String PENDING = "pending";
    public static final String DELIVERED = "delivered";
    public static final String DEAD = "dead";
    static final long FIRST_RETRY_MILLIS = 1_000;
    static final long MAX_RETRY_MILLIS = 5 * 60_000;

    private final Database db;

    public Outbox(Database db) {
        this.db = db;
    }

    /** A pending delivery. */
    public record Entry(long id, long receivedId, String destination, String file, String targetPath, int attempts) {
    }

    /** Adds one row per destination, inside the caller's transaction. */
    public static void add(Connection c, long receivedId, List<String> destinations, String file, String targetPath)
            throws SQLException {
        String now = now();
        for (String destination : destinations) {
            // DO NOTHING: an object made again (its copy was lost in a crash) is not sent again where delivered
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO outbox(received_id, destination, file,"
                    + " target_path, state, attempts, next_attempt_at, created_at, updated_at, study_lane)"
                    + " VALUES (?, ?, ?, ?, ?, 0, 0, ?, ?, ?) ON CONFLICT DO NOTHING")) {
                ps.setLong(1, receivedId);
                ps.setString(2, destination);
                ps.setString(3, file);
                ps.setString(4, targetPath);
                ps.setString(5, PENDING);
                ps.setString(6, now);
                ps.setString(7, now);
                ps.setLong(8, Lane.keyOf(targetPath));
                ps.executeUpdate();
            }
        }
    }

    /**
     * One of {@code count} forwarders of a destination: it delivers the studies whose lane key
     * leaves {@code index} divided by {@code count}. One study is always in one lane, delivered in
     * the order queued; different studies go at once.
     */
    public record Lane(int index, int count) {
        public static final Lane ALL = new Lane(0, 1);

        public Lane {
            if (count < 1 || index < 0 || index >= count) {
                throw new IllegalArgumentException("lane " + index + " of " + count);
            }
        }

        /** A study's key from its target path (PSEUDONYM/STUDY/SERIES/SOP.dcm): not negative, the same in every run. */
        static long keyOf(String targetPath) {
            String[] parts = targetPath.split("/", 3);
            String study = parts.length > 1 ? parts[1] : targetPath;
            java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
            crc.update(study.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            return crc.getValue();
        }
    }

    public List<Entry> due(String destination, int limit) throws StoreException {
        return due(destination, Lane.ALL, limit);
    }

    public List<Entry> due(String destination, Lane lane, int limit) throws StoreException {
        long now = System.currentTimeMillis();
        return db.read(c -> {
            List<Entry> entries = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT id, received_id, destination, file, target_path, attempts"
                    + " FROM outbox WHERE destination = ? AND state = ? AND next_attempt_at <= ? AND study_lane % ? = ?"
                    + " ORDER BY id LIMIT ?")) {
                ps.setString(1, destination);
                ps.setString(2, PENDING);
                ps.setLong(3, now);
                ps.setInt(4, lane.count());
                ps.setInt(5, lane.index());
                ps.setInt(6, limit);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        entries.add(new Entry(rs.getLong(1), rs.getLong(2), rs.getString(3), rs.getString(4), rs.getString(5),
                                rs.getInt(6)));
                    }
                }
            }
            return entries;
        });
    }

    /**
     * A de-identified file no delivery needs any more (nothing pending, no dead letter to retry),
     * with the name of the received original it was made from: both can go. The original is kept
     * until then, so that a de-identified copy lost in a crash can be made again from it.
     */
    public record Finished(String file, String original) {
    }

    /**
     * Marks many delivered in one transaction; returns what is finished. A crash before it means
     * those objects are sent again after the restart: at least once, never lost.
     */
    public List<Finished> deliveredAll(List<Entry> entries) throws StoreException {
        if (entries.isEmpty()) {
            return List.of();
        }
        // redoable: a delivery whose record a power cut took is made again
        return db.inRedoableTransaction(c -> {
            for (Entry entry : entries) {
                update(c, entry.id(), DELIVERED, entry.attempts() + 1, 0, null);
            }
            return finished(c, entries.stream().map(Entry::file).distinct().toList());
        });
    }

    /** Schedules the next attempt after an exponential pause (1 s, 2 s, 4 s ... at most 5 minutes). */
    public void retryLater(Entry entry, String error) throws StoreException {
        int attempts = entry.attempts() + 1;
        long pause = Math.min(MAX_RETRY_MILLIS, FIRST_RETRY_MILLIS << Math.min(20, attempts - 1));
        db.inTransaction(c -> {
            update(c, entry.id(), PENDING, attempts, System.currentTimeMillis() + pause, error);
            return null;
        });
    }

    /** A permanent refusal: kept as a dead letter with the reason, its file with it (for a retry). */
    public void dead(Entry entry, String error) throws StoreException {
        db.inTransaction(c -> {
            update(c, entry.id(), DEAD, entry.attempts() + 1, 0, error);
            return null;
        });
    }

    public long count(String state) throws StoreException {
        return db.read(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM outbox WHERE state = ?")) {
                ps.setString(1, state);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getLong(1);
                }
            }
        });
    }

    /** Counts by destination and state, for {@code deid queue status}. */
    public record DestinationCounts(String destination, long pending, long delivered, long dead, String lastError) {
    }

    public List<DestinationCounts> counts() throws StoreException {
        return db.read(Outbox::counts);
    }

    /** {@link #counts()} on a given connection (another node's queue). */
    public static List<DestinationCounts> counts(Connection c) throws SQLException {
        List<DestinationCounts> counts = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT destination,"
                + " sum(CASE WHEN state = 'pending' THEN 1 ELSE 0 END), sum(CASE WHEN state = 'delivered' THEN 1 ELSE 0 END),"
                + " sum(CASE WHEN state = 'dead' THEN 1 ELSE 0 END),"
                + " (SELECT last_error FROM outbox o2 WHERE o2.destination = o.destination AND o2.last_error IS NOT NULL"
                + "  ORDER BY updated_at DESC LIMIT 1)"
                + " FROM outbox o GROUP BY destination ORDER BY destination");
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                counts.add(new DestinationCounts(rs.getString(1), rs.getLong(2), rs.getLong(3), rs.getLong(4), rs.getString(5)));
            }
        }
        return counts;
    }

    /** Pending deliveries of a destination, and how many of them already failed once (it is in back-off). */
    public long[] pendingAndFailing(String destination) throws StoreException {
        return db.read(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT count(*), coalesce(sum(CASE WHEN attempts > 0 THEN 1 ELSE 0 END), 0) FROM outbox"
                    + " WHERE destination = ? AND state = ?")) {
                ps.setString(1, destination);
                ps.setString(2, PENDING);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return new long[] {rs.getLong(1), rs.getLong(2)};
                }
            }
        });
    }

    /** Puts dead letters back in the queue (after the destination was fixed). */
    public int reviveDead(String destinationOrNull) throws StoreException {
        return db.inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE outbox SET state = ?, next_attempt_at = 0 WHERE state = ?"
                    + (destinationOrNull == null ? "" : " AND destination = ?"))) {
                ps.setString(1, PENDING);
                ps.setString(2, DEAD);
                if (destinationOrNull != null) {
                    ps.setString(3, destinationOrNull);
                }
                return ps.executeUpdate();
            }
        });
    }

    /** Forgets dead letters; returns what is finished with them (the caller deletes the files). */
    public List<Finished> purgeDead(String destinationOrNull) throws StoreException {
        return db.inTransaction(c -> {
            List<String> files = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT DISTINCT file FROM outbox WHERE state = ?"
                    + (destinationOrNull == null ? "" : " AND destination = ?"))) {
                ps.setString(1, DEAD);
                if (destinationOrNull != null) {
                    ps.setString(2, destinationOrNull);
                }
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        files.add(rs.getString(1));
                    }
                }
            }
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM outbox WHERE state = ?"
                    + (destinationOrNull == null ? "" : " AND destination = ?"))) {
                ps.setString(1, DEAD);
                if (destinationOrNull != null) {
                    ps.setString(2, destinationOrNull);
                }
                ps.executeUpdate();
            }
            return finished(c, files);
        });
    }

    private static List<Finished> finished(Connection c, List<String> files) throws SQLException {
        List<Finished> finished = new ArrayList<>();
        for (String file : files) {
            if (!stillNeeded(c, file)) {
                try (PreparedStatement ps = c.prepareStatement("SELECT r.spool_file FROM outbox o JOIN received r"
                        + " ON r.id = o.received_id WHERE o.file = ? LIMIT 1")) {
                    ps.setString(1, file);
                    try (ResultSet rs = ps.executeQuery()) {
                        finished.add(new Finished(file, rs.next() ? rs.getString(1) : null));
                    }
                }
            }
        }
        return finished;
    }

    /** Makes every pending entry due now (after a destination came back, or on request). */
    public int retryNow(String destinationOrNull) throws StoreException {
        return db.inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE outbox SET next_attempt_at = 0 WHERE state = ?"
                    + (destinationOrNull == null ? "" : " AND destination = ?"))) {
                ps.setString(1, PENDING);
                if (destinationOrNull != null) {
                    ps.setString(2, destinationOrNull);
                }
                return ps.executeUpdate();
            }
        });
    }

    private static void update(Connection c, long id, String state, int attempts, long nextAttempt, String error)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE outbox SET state = ?, attempts = ?, next_attempt_at = ?,"
                + " last_error = ?, updated_at = ? WHERE id = ?")) {
            ps.setString(1, state);
            ps.setInt(2, attempts);
            ps.setLong(3, nextAttempt);
            ps.setString(4, error);
            ps.setString(5, now());
            ps.setLong(6, id);
            ps.executeUpdate();
        }
    }

    /** Whether a delivery of the file is still pending, or dead and so perhaps retried. */
    private static boolean stillNeeded(Connection c, String file) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM outbox WHERE file = ? AND state IN (?, ?) LIMIT 1")) {
            ps.setString(1, file);
            ps.setString(2, PENDING);
            ps.setString(3, DEAD);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    private static String now() {
        return Instant.now().truncatedTo(ChronoUnit.MILLIS).toString();
    }
}
