package org.deidgateway.receive;

import org.deidgateway.store.Database;
import org.deidgateway.store.StoreException;

import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/** The received objects in the database: a row is written, and committed, before Success is sent. */
public final class IntakeLog {

    public static final String STATE_RECEIVED = "received";

    private final Database db;

    public IntakeLog(Database db) {
        this.db = db;
    }

    long record(Path spoolFile, String callingAe, String calledAe, String sopClassUid, String transferSyntaxUid, long size)
            throws StoreException {
        String now = Instant.now().truncatedTo(ChronoUnit.MILLIS).toString();
        return db.inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO received(spool_file, calling_ae, called_ae,"
                    + " sop_class_uid, transfer_syntax_uid, size, received_at, state) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) {
                ps.setString(1, spoolFile.getFileName().toString());
                ps.setString(2, callingAe);
                ps.setString(3, calledAe);
                ps.setString(4, sopClassUid);
                ps.setString(5, transferSyntaxUid);
                ps.setLong(6, size);
                ps.setString(7, now);
                ps.setString(8, STATE_RECEIVED);
                ps.executeUpdate();
            }
            try (PreparedStatement ps = c.prepareStatement("SELECT last_insert_rowid()"); ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        });
    }

    /** How many objects are in a state (for example {@link #STATE_RECEIVED}: waiting to be processed). */
    public long count(String state) throws StoreException {
        return db.read(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM received WHERE state = ?")) {
                ps.setString(1, state);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getLong(1);
                }
            }
        });
    }
}
