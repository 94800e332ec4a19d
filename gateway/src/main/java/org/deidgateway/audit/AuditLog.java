package org.deidgateway.audit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import org.deidgateway.pseudonym.KeyedHash;
import org.deidgateway.store.Database;
import org.deidgateway.store.StoreException;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Appends to and checks the audit trail. Each entry's hash covers its own fields and the previous
 * entry's hash, so changing or deleting one entry breaks every link after it. A plain hash chain can
 * be recomputed by whoever can write the file, and cutting off the newest entries leaves a valid
 * chain; both are caught by the checkpoint: the head (sequence number and hash) MACed with the
 * audit key from the gateway keystore, renewed by every command that opens the keystore.
 * Entries that need no keystore (a wrong passphrase, a re-identification) are chained after it.
 */
public final class AuditLog {

    public static final String GENESIS = "0".repeat(64);
    static final String CHECKPOINT_KEY = "audit.checkpoint";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);

    private final Database db;

    public AuditLog(Database db) {
        this.db = db;
    }

    /** Appends one entry (joining the caller's transaction if there is one); returns its sequence number. */
    private static final String CHAIN_LOCK = "deid-gateway audit chain";

    public long append(AuditEvent event, String actor, Map<String, ?> details) throws StoreException {
        String detailsJson;
        try {
            detailsJson = JSON.writeValueAsString(new TreeMap<>(details));
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("audit details must be plain values", e);
        }
        String at = Instant.now().truncatedTo(ChronoUnit.MILLIS).toString();
        return db.inTransaction(c -> {
            // one chain for the installation: nodes sharing a database append one at a time
            db.lock(c, CHAIN_LOCK);
            long seq = 1;
            String prev = GENESIS;
            try (PreparedStatement ps = c.prepareStatement("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1");
                 ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                    seq = rs.getLong(1) + 1;
                    prev = rs.getString(2);
                }
            }
            String hash = hash(seq, at, event.wireName(), actor, detailsJson, prev);
            try (PreparedStatement ps = c.prepareStatement(
                    "INSERT INTO audit(seq, at, event, actor, details, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?)")) {
                ps.setLong(1, seq);
                ps.setString(2, at);
                ps.setString(3, event.wireName());
                ps.setString(4, actor);
                ps.setString(5, detailsJson);
                ps.setString(6, prev);
                ps.setString(7, hash);
                ps.executeUpdate();
            }
            return seq;
        });
    }

    /** Seals the current head with the audit key. */
    public void checkpoint(byte[] auditKey) throws StoreException {
        db.inTransaction(c -> {
            Optional<AuditEntry> head = last(c);
            long seq = head.map(AuditEntry::seq).orElse(0L);
            String hash = head.map(AuditEntry::hash).orElse(GENESIS);
            try (PreparedStatement ps = c.prepareStatement(
                    "INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value")) {
                ps.setString(1, CHECKPOINT_KEY);
                ps.setString(2, seq + ":" + hash + ":" + checkpointMac(auditKey, seq, hash));
                ps.executeUpdate();
            }
            return null;
        });
    }

    /** The newest {@code count} entries, oldest first. */
    public List<AuditEntry> last(int count) throws StoreException {
        return db.read(c -> {
            List<AuditEntry> entries = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT seq, at, event, actor, details, prev_hash, hash FROM audit ORDER BY seq DESC LIMIT ?")) {
                ps.setInt(1, count);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        entries.add(entry(rs));
                    }
                }
            }
            Collections.reverse(entries);
            return entries;
        });
    }

    /**
     * Walks the whole trail. With the audit key it also checks the sealed checkpoint, which is
     * what detects a rewritten chain or removed newest entries; without it, links only.
     */
    public AuditVerification verify(byte[] auditKeyOrNull) throws StoreException {
        return db.read(c -> {
            long count = 0;
            long expectedSeq = 1;
            String prev = GENESIS;
            Map<Long, String> hashes = new TreeMap<>();
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT seq, at, event, actor, details, prev_hash, hash FROM audit ORDER BY seq");
                 ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    AuditEntry e = entry(rs);
                    count++;
                    if (e.seq() != expectedSeq) {
                        return broken(count, expectedSeq, "entry #" + expectedSeq + (e.seq() - expectedSeq > 1
                                ? " to #" + (e.seq() - 1) : "") + " missing (deleted): the trail jumps to #" + e.seq());
                    }
                    if (!e.prevHash().equals(prev)) {
                        return broken(count, e.seq(), "entry #" + e.seq() + " does not link to entry #" + (e.seq() - 1)
                                + " (an entry before it was altered or replaced)");
                    }
                    if (!hash(e.seq(), e.at(), e.event(), e.actor(), e.details(), e.prevHash()).equals(e.hash())) {
                        return broken(count, e.seq(), "entry #" + e.seq() + " was altered: its content does not match its hash");
                    }
                    prev = e.hash();
                    hashes.put(e.seq(), e.hash());
                    expectedSeq++;
                }
            }
            long head = expectedSeq - 1;
            if (auditKeyOrNull == null) {
                return new AuditVerification(count, head, null, null, false);
            }
            String problem = checkCheckpoint(c, auditKeyOrNull, hashes, head);
            return problem == null ? new AuditVerification(count, head, null, null, true)
                    : new AuditVerification(count, head, head + 1, problem, true);
        });
    }

    private static String checkCheckpoint(Connection c, byte[] key, Map<Long, String> hashes, long head)
            throws SQLException {
        String sealed;
        try (PreparedStatement ps = c.prepareStatement("SELECT value FROM meta WHERE key = ?")) {
            ps.setString(1, CHECKPOINT_KEY);
            try (ResultSet rs = ps.executeQuery()) {
                sealed = rs.next() ? rs.getString(1) : null;
            }
        }
        if (sealed == null) {
            return "the sealed checkpoint is missing (removed from the database)";
        }
        String[] parts = sealed.split(":");
        long seq;
        try {
            seq = Long.parseLong(parts[0]);
        } catch (NumberFormatException e) {
            return "the sealed checkpoint is malformed";
        }
        if (parts.length != 3 || !MessageDigest.isEqual(checkpointMac(key, seq, parts[1]).getBytes(StandardCharsets.US_ASCII),
                parts[2].getBytes(StandardCharsets.US_ASCII))) {
            return "the sealed checkpoint was altered (its MAC does not match the audit key)";
        }
        if (seq > head) {
            return "entries #" + (head + 1) + " to #" + seq + " were sealed but are gone: the trail was cut off";
        }
        if (seq > 0 && !parts[1].equals(hashes.get(seq))) {
            return "entry #" + seq + " differs from the sealed checkpoint: the trail up to it was rewritten";
        }
        return null;
    }

    private static AuditVerification broken(long count, long seq, String problem) {
        return new AuditVerification(count, seq - 1, seq, problem, false);
    }

    private static Optional<AuditEntry> last(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT seq, at, event, actor, details, prev_hash, hash FROM audit ORDER BY seq DESC LIMIT 1");
             ResultSet rs = ps.executeQuery()) {
            return rs.next() ? Optional.of(entry(rs)) : Optional.empty();
        }
    }

    private static AuditEntry entry(ResultSet rs) throws SQLException {
        return new AuditEntry(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5),
                rs.getString(6), rs.getString(7));
    }

    static String hash(long seq, String at, String event, String actor, String details, String prevHash) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            for (String field : new String[] {Long.toString(seq), at, event, actor, details, prevHash}) {
                byte[] bytes = field.getBytes(StandardCharsets.UTF_8);
                sha.update(new byte[] {(byte) (bytes.length >>> 24), (byte) (bytes.length >>> 16),
                        (byte) (bytes.length >>> 8), (byte) bytes.length});
                sha.update(bytes);
            }
            return HexFormat.of().formatHex(sha.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
    }

    private static String checkpointMac(byte[] key, long seq, String hash) {
        return HexFormat.of().formatHex(new KeyedHash(key).mac("deid-gateway/audit-checkpoint/v1", Long.toString(seq), hash));
    }
}
