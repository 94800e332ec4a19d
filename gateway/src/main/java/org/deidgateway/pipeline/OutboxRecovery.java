package org.deidgateway.pipeline;

import org.deidgateway.dicom.DicomFileException;
import org.deidgateway.dicom.DicomFiles;
import org.deidgateway.store.Database;
import org.deidgateway.store.StoreException;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The outbox's copies after a crash: they were written without waiting for the disk, so one may
 * be cut, lost, or (a reused file after a power cut) another object's. Each is checked against its
 * row and made again from its original when it does not hold what the row names.
 */
final class OutboxRecovery {

    private static final Logger LOG = Logger.getLogger(OutboxRecovery.class);

    private OutboxRecovery() {
    }

    /** What the check found: copies checked, made again, and lost for want of an original. */
    public record Result(int checked, int remade, int lost) {
    }

    /**
     * At start, before anything is processed or forwarded: every de-identified copy still waiting
     * for a delivery (or kept with a dead letter) is checked whole; one a crash cut or lost is made
     * again from its original. The object goes back to "received" and its undelivered rows go; the
     * processor then writes and queues it anew, and a destination that had it already is not sent
     * it again.
     */
    static Result run(Database db, Processor.Folders folders) throws StoreException {
        record Waiting(long receivedId, String file, String original, String target) {
        }
        List<Waiting> waiting = db.read(c -> {
            List<Waiting> rows = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT o.received_id, o.file, r.spool_file, min(o.target_path)"
                    + " FROM outbox o JOIN received r ON r.id = o.received_id WHERE o.state IN ('pending', 'dead')"
                    + " GROUP BY o.received_id, o.file, r.spool_file ORDER BY o.received_id");
                 ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    rows.add(new Waiting(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4)));
                }
            }
            return rows;
        });
        int remade = 0;
        int lost = 0;
        int delivered = 0;
        for (Waiting w : waiting) {
            Path copy = folders.outboxFiles().resolve(w.file());
            try {
                // whole, and the object its row names: a reused file a power cut left with its former
                // content is whole too, but another object
                if (("/" + w.target()).endsWith("/" + DicomFiles.verifyComplete(copy).sopInstanceUid() + ".dcm")) {
                    continue;
                }
            } catch (DicomFileException e) {
                // cut or missing: made again below if the original is there
            } catch (IOException e) {
                throw new StoreException("cannot check the outbox (" + e.getMessage() + ")", e);
            }
            boolean originalThere = w.original() != null && Files.exists(folders.spool().resolve(w.original()));
            if (!originalThere && !Files.exists(copy)) {
                // both go only after the delivery was recorded: this record was the newest commit, lost with
                // a power cut (deliveries are recorded without waiting for the disk), not the object
                finishedBeforeTheCut(db, w.receivedId());
                delivered++;
                continue;
            }
            if (!originalThere) {
                LOG.errorf("object %d: its de-identified copy is damaged and its original is gone; it stays in the queue"
                        + " and will fail", w.receivedId());
                lost++;
                continue;
            }
            db.inTransaction(c -> {
                try (PreparedStatement ps = c.prepareStatement("DELETE FROM outbox WHERE received_id = ?"
                        + " AND state IN ('pending', 'dead')")) {
                    ps.setLong(1, w.receivedId());
                    ps.executeUpdate();
                }
                Processor.setState(c, w.receivedId(), "received", null);
                return null;
            });
            try {
                Files.deleteIfExists(copy);
            } catch (IOException e) {
                // written over when the object is processed again
            }
            remade++;
        }
        if (remade > 0 || lost > 0 || delivered > 0) {
            LOG.warnf("outbox checked: %d copies, %d damaged by an interruption and queued to be made again, %d lost,"
                    + " %d delivered before a power cut took the record of it", waiting.size(), remade, lost, delivered);
        }
        return new Result(waiting.size(), remade, lost);
    }

    private static void finishedBeforeTheCut(Database db, long receivedId) throws StoreException {
        db.inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE outbox SET state = 'delivered', last_error ="
                    + " 'delivered; the record was lost with an interruption', updated_at = ? WHERE received_id = ?"
                    + " AND state = 'pending'")) {
                ps.setString(1, Instant.now().toString());
                ps.setLong(2, receivedId);
                ps.executeUpdate();
            }
            return null;
        });
    }
}
