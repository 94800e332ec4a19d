package org.deidgateway.pipeline;

import org.deidgateway.audit.AuditEvent;
import org.deidgateway.audit.AuditLog;
import org.deidgateway.deid.DeidentificationException;
import org.deidgateway.deid.DeidentifiedInstance;
import org.deidgateway.dicom.DicomFileException;
import org.deidgateway.dicom.DicomFiles;
import org.deidgateway.dicom.DicomObject;
import org.deidgateway.forward.Outbox;
import org.deidgateway.metrics.GatewayMetrics;
import org.deidgateway.store.Database;
import org.deidgateway.store.StoreException;
import org.deidgateway.vault.IdentityVault;
import org.deidgateway.vault.VaultException;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Takes received objects from the spool, oldest first, to the outbox or the quarantine. Each step
 * is repeatable: a crash before the final transaction leaves the object "received", and doing it
 * again writes the same output (same keys, same pseudonym, same UIDs).
 */
public final class Processor {

    public static final String PROCESSED = "processed";
    public static final String QUARANTINED = "quarantined";
    private static final Logger LOG = Logger.getLogger(Processor.class);

    private final Database db;
    private final Folders folders;
    private final ProjectRouter router;
    private final IdentityVault vault;
    private final List<String> destinations;
    private final GatewayMetrics metrics;

    /** Where the pipeline's files live in the home. */
    public record Folders(Path spool, Path outboxFiles, Path quarantine) {
    }

    public Processor(Database db, Folders folders, ProjectRouter router, IdentityVault vault, List<String> destinations,
                     GatewayMetrics metrics) throws IOException {
        this.metrics = metrics;
        this.db = db;
        this.folders = folders;
        this.router = router;
        this.vault = vault;
        this.destinations = List.copyOf(destinations);
        Files.createDirectories(folders.outboxFiles());
        Files.createDirectories(folders.quarantine());
    }

    private record Received(long id, String spoolFile, String calledAe, String callingAe, String sopClassUid,
                            boolean released) {
    }

    /** Processes what is waiting; returns how many objects it finished (forwarded or quarantined). */
    public int processAvailable() throws StoreException {
        List<Received> batch = db.read(c -> {
            List<Received> rows = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT id, spool_file, called_ae, calling_ae, sop_class_uid,"
                    + " released FROM received WHERE state = 'received' ORDER BY id LIMIT 200");
                 ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    rows.add(new Received(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5),
                            rs.getInt(6) != 0));
                }
            }
            return rows;
        });
        Map<String, int[]> perPseudonym = new TreeMap<>();
        int done = 0;
        for (Received row : batch) {
            long started = System.nanoTime();
            String pseudonym = processOne(row);
            if (pseudonym != null) {
                metrics.processed(System.nanoTime() - started);
            }
            done++;
            if (pseudonym != null) {
                perPseudonym.computeIfAbsent(router.projectOf(row.calledAe()) + "\n" + pseudonym, k -> new int[1])[0]++;
            }
        }
        audit(perPseudonym);
        return done;
    }

    /** Returns the pseudonym when forwarded, null when quarantined. StoreException: left as it is, for later. */
    private String processOne(Received row) throws StoreException {
        Path original = folders.spool().resolve(row.spoolFile());
        ProjectRouter.Route route = router.route(row.calledAe());
        if (route == null) {
            quarantine(row, original, "no project receives objects sent to AE title '" + row.calledAe() + "'");
            return null;
        }
        DicomObject object;
        try {
            object = DicomFiles.read(original);
        } catch (DicomFileException | IOException e) {
            quarantine(row, original, "cannot be read: " + e.getMessage());
            return null;
        }
        // a person who released it from the quarantine has looked at the pixels
        var hold = row.released() ? java.util.Optional.<String>empty()
                : QuarantineRules.reasonToHold(object.dataset(), row.sopClassUid(), route.config().acceptsScreenCaptures());
        if (hold.isPresent()) {
            quarantine(row, original, hold.get());
            return null;
        }
        DeidentifiedInstance result;
        try {
            result = route.engine().deidentify(object.dataset());
            if (route.pseudonymizes()) {
                vault.record(route.config().name(), result);
            }
        } catch (DeidentificationException | VaultException e) {
            quarantine(row, original, "not de-identified: " + e.getMessage());
            return null;
        }
        String file = row.id() + ".dcm";
        String target = result.pseudonym() + "/" + result.studyInstanceUid() + "/" + result.seriesInstanceUid() + "/"
                + result.sopInstanceUid() + ".dcm";
        try {
            DicomFiles.writeAtomically(object, folders.outboxFiles().resolve(file));
        } catch (DicomFileException e) {
            quarantine(row, original, "cannot be written: " + e.getMessage());
            return null;
        } catch (IOException e) {
            // the disk is full or the folder gone: leave it received, the next round tries again
            throw new StoreException("cannot write the de-identified object (" + e.getMessage() + ")", e);
        }
        db.inTransaction(c -> {
            Outbox.add(c, row.id(), destinations, file, target);
            setState(c, row.id(), PROCESSED, null);
            return null;
        });
        deleteQuietly(original);
        return result.pseudonym();
    }

    private void quarantine(Received row, Path original, String reason) throws StoreException {
        LOG.warnf("object %d quarantined: %s", row.id(), reason);
        metrics.quarantined();
        try {
            if (Files.exists(original)) {
                Files.move(original, folders.quarantine().resolve(row.id() + ".dcm"), StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new StoreException("cannot move an object to the quarantine (" + e.getMessage() + ")", e);
        }
        db.inTransaction(c -> {
            setState(c, row.id(), QUARANTINED, reason);
            return null;
        });
    }

    private static void setState(java.sql.Connection c, long id, String state, String reason) throws java.sql.SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE received SET state = ?, reason = ?, updated_at = ? WHERE id = ?")) {
            ps.setString(1, state);
            ps.setString(2, reason);
            ps.setString(3, Instant.now().toString());
            ps.setLong(4, id);
            ps.executeUpdate();
        }
    }

    private void audit(Map<String, int[]> perPseudonym) throws StoreException {
        if (perPseudonym.isEmpty()) {
            return;
        }
        AuditLog audit = new AuditLog(db);
        db.inTransaction(c -> {
            for (Map.Entry<String, int[]> e : perPseudonym.entrySet()) {
                String[] key = e.getKey().split("\n", 2);
                audit.append(AuditEvent.DEIDENTIFIED, "receiver", Map.of("project", key[0], "pseudonym", key[1],
                        "instances", e.getValue()[0]));
            }
            return null;
        });
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            LOG.warnf("cannot delete a processed original (%s); it is deleted at the next start", e.getMessage());
        }
    }
}
