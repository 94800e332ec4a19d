package org.deidgateway.pipeline;

import org.deidgateway.testsupport.TestDatabases;
import org.deidgateway.forward.Outbox;
import org.deidgateway.store.Database;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Real SQLite: what finished long enough ago goes; what is pending, dead, quarantined or recent stays. */
class QueueRetentionTest {

    private static final Instant NOW = Instant.parse("2026-12-04T12:00:00Z");
    private static final String OLD = "2026-10-01T08:00:00.123Z";
    private static final String RECENT = "2026-11-30T08:00:00Z";

    @TempDir
    Path dir;

    @Test
    void finishedObjectsOlderThanTheRetentionAreForgottenAndNothingElse() throws Exception {
        try (Database db = TestDatabases.open(dir.resolve("deid.db"))) {
            db.inTransaction(c -> {
                delivered(c, object(c, "a", "processed", OLD), "a", OLD);                 // goes
                long b = object(c, "b", "processed", OLD);                               // stays: one destination waits
                delivered(c, b, "b", OLD);
                Outbox.add(c, b, List.of("stow"), "b.dcm", "P/S/E/b.dcm");
                delivered(c, object(c, "c", "processed", RECENT), "c", RECENT);           // stays: recent
                long d = object(c, "d", "processed", OLD);                               // stays: a dead letter
                Outbox.add(c, d, List.of("out"), "d.dcm", "P/S/E/d.dcm");
                update(c, "UPDATE outbox SET state = 'dead', updated_at = ? WHERE received_id = ?", OLD, d);
                object(c, "e", "quarantined", OLD);                                      // stays: in the quarantine
                object(c, "f", "deleted", OLD);                                          // goes: deleted from it
                object(c, "g", "held", OLD);                                             // goes: held for a curator
                object(c, "h", "received", null);                                        // stays: not processed yet
                delivered(c, object(c, "i", "processed", OLD), "i", "2026-11-04T11:59:59.999Z"); // goes: a second over
                delivered(c, object(c, "j", "processed", OLD), "j", "2026-11-04T12:00:00.5Z");    // stays: not yet over
                return null;
            });

            assertEquals(new QueueRetention.Forgotten(0, 0), QueueRetention.forget(db, 0, NOW), "0 keeps everything");
            assertEquals(new QueueRetention.Forgotten(2, 4), QueueRetention.forget(db, 30, NOW));
            assertEquals(List.of("b", "c", "d", "e", "h", "j"), column(db, "SELECT spool_file FROM received ORDER BY spool_file"));
            assertEquals(List.of("b.dcm delivered", "b.dcm pending", "c.dcm delivered", "d.dcm dead", "j.dcm delivered"),
                    column(db, "SELECT file || ' ' || state FROM outbox ORDER BY file, state"));
            assertEquals(new QueueRetention.Forgotten(0, 0), QueueRetention.forget(db, 30, NOW), "a second pass finds nothing");
        }
    }

    private static long object(Connection c, String name, String state, String updatedAt) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO received(spool_file, calling_ae, called_ae, sop_class_uid,"
                + " transfer_syntax_uid, size, received_at, state, updated_at) VALUES (?, 'PACS', 'DEIDGW', '1.2', '1.2.840.10008.1.2.1',"
                + " 1, '2026-09-30T00:00:00Z', ?, ?)")) {
            ps.setString(1, name);
            ps.setString(2, state);
            ps.setString(3, updatedAt);
            ps.executeUpdate();
        }
        try (PreparedStatement ps = c.prepareStatement("SELECT id FROM received WHERE spool_file = ?")) {
            ps.setString(1, name);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    private static void delivered(Connection c, long receivedId, String name, String at) throws SQLException {
        Outbox.add(c, receivedId, List.of("out"), name + ".dcm", "P/S/E/" + name + ".dcm");
        update(c, "UPDATE outbox SET state = 'delivered', updated_at = ? WHERE received_id = ? AND destination = 'out'", at,
                receivedId);
    }

    private static void update(Connection c, String sql, String at, long receivedId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, at);
            ps.setLong(2, receivedId);
            ps.executeUpdate();
        }
    }

    private static List<String> column(Database db, String sql) throws Exception {
        return db.read(c -> {
            List<String> values = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement(sql); ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    values.add(rs.getString(1));
                }
            }
            return values;
        });
    }
}
