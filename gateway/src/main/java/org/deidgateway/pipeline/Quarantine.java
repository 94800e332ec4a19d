package org.deidgateway.pipeline;

import org.deidgateway.store.Database;
import org.deidgateway.store.StoreException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The objects held back, for a person to look at: released ones go through de-identification
 * again without the quarantine rules (a person has checked the pixels); deleted ones are gone.
 */
public final class Quarantine {

    private final Database db;
    private final Path folder;
    private final Path spool;

    public Quarantine(Database db, Path folder, Path spool) {
        this.db = db;
        this.folder = folder;
        this.spool = spool;
    }

    /** One held object: no patient data, only where it came from, what it is and why it is held. */
    public record Held(long id, String receivedAt, String callingAe, String calledAe, String sopClassUid, String reason) {
    }

    public List<Held> list() throws StoreException {
        return db.read(c -> {
            List<Held> held = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT id, received_at, calling_ae, called_ae, sop_class_uid, reason"
                    + " FROM received WHERE state = ? ORDER BY id");) {
                ps.setString(1, Processor.QUARANTINED);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        held.add(new Held(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5),
                                rs.getString(6)));
                    }
                }
            }
            return held;
        });
    }

    /** Sends a held object back to be processed, bypassing the quarantine rules. */
    public void release(long id) throws StoreException, IOException {
        Path file = heldFile(id);
        String spoolName = "released-" + id + ".dcm";
        Files.move(file, spool.resolve(spoolName), StandardCopyOption.ATOMIC_MOVE);
        db.inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE received SET state = 'received', released = 1,"
                    + " spool_file = ?, updated_at = ? WHERE id = ?")) {
                ps.setString(1, spoolName);
                ps.setString(2, Instant.now().toString());
                ps.setLong(3, id);
                ps.executeUpdate();
            }
            return null;
        });
    }

    public void delete(long id) throws StoreException, IOException {
        Path file = heldFile(id);
        db.inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE received SET state = 'deleted', updated_at = ? WHERE id = ?")) {
                ps.setString(1, Instant.now().toString());
                ps.setLong(2, id);
                ps.executeUpdate();
            }
            return null;
        });
        Files.deleteIfExists(file);
    }

    private Path heldFile(long id) throws StoreException {
        boolean held = list().stream().anyMatch(h -> h.id() == id);
        Path file = folder.resolve(id + ".dcm");
        if (!held || !Files.exists(file)) {
            throw new StoreException("no quarantined object #" + id + " (see deid quarantine list)");
        }
        return file;
    }
}
