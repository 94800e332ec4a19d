package org.deidgateway.pipeline;

import com.pixelmed.dicom.Attribute;
import com.pixelmed.dicom.AttributeTag;
import com.pixelmed.dicom.TagFromName;
import org.deidgateway.audit.AuditEvent;
import org.deidgateway.audit.AuditLog;
import org.deidgateway.curate.CurationStore;
import org.deidgateway.curate.HeldInstance;
import org.deidgateway.deid.DeidentificationException;
import org.deidgateway.deid.DeidentifiedInstance;
import org.deidgateway.dicom.DicomFileException;
import org.deidgateway.dicom.DicomFiles;
import org.deidgateway.dicom.DicomObject;
import org.deidgateway.catalog.CatalogFacts;
import org.deidgateway.catalog.CatalogStore;
import org.deidgateway.forward.Outbox;
import org.deidgateway.metrics.GatewayMetrics;
import org.deidgateway.store.Database;
import org.deidgateway.store.FileRecycler;
import org.deidgateway.store.StoreException;
import org.deidgateway.vault.IdentityVault;
import org.deidgateway.vault.VaultException;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;


/**
 * Takes received objects from the spool, oldest first, to the outbox or the quarantine. Each step
 * is repeatable: a crash before the final transaction leaves the object "received", and doing it
 * again writes the same output (same keys, same pseudonym, same UIDs).
 */
public final class Processor {

    public static final String PROCESSED = "processed";
    public static final String QUARANTINED = "quarantined";
    /** Processed for a two-stage project: its stage-one copy is in the curation store, the original gone. */
    public static final String HELD = "held";
    private static final Logger LOG = Logger.getLogger(Processor.class);

    private final Database db;
    private final CatalogStore catalog;
    private final Folders folders;
    private final ProjectRouter router;
    private final IdentityVault vault;
    private final List<String> destinations;
    private final GatewayMetrics metrics;
    private final Runnable onQueued;
    private PixelStage pixelStage;
    /** De-identify the objects of a round in parallel; null: one after the other on the loop's thread. */
    private volatile BatchWorkers workers = new BatchWorkers(1, "process");
    /** Objects per round: one fsync of the outbox folder and one transaction for all of them. */
    private static final int BATCH = 64;

    /**
     * Where the pipeline's files live in the home; {@code curation} holds the copies of two-stage
     * projects; outbox copies are made, and held objects' originals handed back, through {@code recycler}.
     */
    public record Folders(Path spool, Path outboxFiles, Path quarantine, Path curation, FileRecycler recycler) {
        public Folders(Path spool, Path outboxFiles, Path quarantine, Path curation) {
            this(spool, outboxFiles, quarantine, curation, FileRecycler.NONE);
        }

        public Folders(Path spool, Path outboxFiles, Path quarantine) {
            this(spool, outboxFiles, quarantine, spool.resolveSibling("curation"));
        }

        /** Objects whose pixels were cleaned, waiting for their header's de-identification (beside the spool). */
        public Path pixels() {
            return spool.resolveSibling("pixels");
        }
    }

    public Processor(Database db, Folders folders, ProjectRouter router, IdentityVault vault, List<String> destinations,
                     GatewayMetrics metrics) throws IOException {
        this(db, folders, router, vault, destinations, metrics, () -> { });
    }

    /** {@code onQueued} runs after each round that queued or quarantined something (forwarders wake on it). */
    public Processor(Database db, Folders folders, ProjectRouter router, IdentityVault vault, List<String> destinations,
                     GatewayMetrics metrics, Runnable onQueued) throws IOException {
        this.onQueued = onQueued;
        this.metrics = metrics;
        this.db = db;
        this.catalog = new CatalogStore(db);
        this.folders = folders;
        this.router = router;
        this.vault = vault;
        this.destinations = List.copyOf(destinations);
        Files.createDirectories(folders.outboxFiles());
        Files.createDirectories(folders.quarantine());
        Files.createDirectories(folders.curation());
    }

    private record Received(long id, String spoolFile, String calledAe, String callingAe, String sopClassUid,
                            boolean released, boolean pixelsCleaned) {
    }

    /** The pixel stage has cleaned objects: their headers' turn (the processing loop wakes). */
    void wakeAfterPixels() {
        onPixelsCleaned.run();
    }

    private volatile Runnable onPixelsCleaned = () -> { };

    /** What wakes the processing loop when the pixel stage has finished objects. */
    public void onPixelsCleaned(Runnable wake) {
        this.onPixelsCleaned = wake;
    }

    /** Objects a project cleans the pixels of go to this stage first (without it: held by the quarantine rules). */
    public void usePixelStage(PixelStage stage) {
        this.pixelStage = stage;
    }

    /**
     * An object de-identified and written, not yet durable nor recorded: to the outbox folder, or,
     * for a two-stage project, to the curation store ({@code held} not null).
     */
    private record Written(Received row, Path original, String file, String target, String project, String pseudonym,
                           long startedNanos, HeldInstance held, CatalogFacts facts) {
    }

    /**
     * Processes what is waiting; returns how many objects it finished (forwarded or quarantined).
     * The objects of a round may be de-identified in parallel ({@link #useThreads}); they are queued
     * in the order received, and those after one that failed wait for the next round with it.
     * The outputs of a batch are queued in one transaction. They are not fsynced: the received
     * original stays in the spool until every destination has its copy, so a copy lost or cut by a
     * crash is made again from it at the next start ({@link #recoverOutbox}). Forcing each copy to
     * disk cost as much as the de-identification and delayed the receiver's own fsyncs behind it;
     * unforced, a copy delivered within seconds is often deleted before it was ever written out.
     */
    public int processAvailable() throws StoreException {
        List<Received> batch = db.read(c -> {
            List<Received> rows = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT id, spool_file, called_ae, calling_ae, sop_class_uid,"
                    + " released, state FROM received WHERE state IN ('received', '" + PixelStage.CLEANED + "') ORDER BY id LIMIT "
                    + BATCH);
                 ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    rows.add(new Received(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5),
                            rs.getInt(6) != 0, PixelStage.CLEANED.equals(rs.getString(7))));
                }
            }
            return rows;
        });
        List<Outcome> outcomes = workers.map(batch, this::processCaught, o -> o.failure() != null);
        List<Written> written = new ArrayList<>();
        int done = 0;
        StoreException failure = null;
        for (Outcome outcome : outcomes) {
            if (outcome.failure() != null) {
                failure = failure == null ? outcome.failure() : failure;
            } else if (outcome.written() == null) {
                done++;
            } else if (failure == null) {
                // what follows a failed object waits for the next round with it, so the outbox keeps the order received
                written.add(outcome.written());
            }
        }
        if (!written.isEmpty()) {
            commit(written);
            done += written.size();
        }
        if (done > 0) {
            onQueued.run();
        }
        if (failure != null) {
            throw failure;
        }
        return done;
    }

    /** What processing one object gave: its output to queue, nothing (quarantined or passed on), or a failure. */
    private record Outcome(Written written, StoreException failure) {
    }

    private Outcome processCaught(Received row) {
        try {
            return new Outcome(processOne(row), null);
        } catch (StoreException e) {
            return new Outcome(null, e);
        }
    }

    /**
     * De-identifies up to {@code threads} objects at once (1: on the processing loop's own thread).
     * Safe because every shared step serializes itself: the vault's link and pseudonym draws run in
     * one database transaction at a time, so two objects of a new patient still make one identity.
     */
    public void useThreads(int threads) {
        BatchWorkers old = workers;
        workers = new BatchWorkers(threads, "process");
        old.close();
    }

    /** Ends the worker threads (after the processing loop stopped). */
    public void close() {
        workers.close();
    }

    private void commit(List<Written> written) throws StoreException {
        Map<String, int[]> perPseudonym = new TreeMap<>();
        List<Written> held = new ArrayList<>();
        for (Written w : written) {
            perPseudonym.computeIfAbsent(w.project() + "\n" + w.pseudonym(), k -> new int[1])[0]++;
            if (w.held() != null) {
                held.add(w);
            }
        }
        AuditLog audit = new AuditLog(db);
        if (!held.isEmpty()) {
            forceHeldCopies(held);
        }
        // redoable: lost with a power cut, the objects are "received" again and processed to the same
        // result (their vault links were committed, durably, before any copy could leave). Not so
        // when originals of held objects are deleted right after: then the commit must be on disk.
        Database.Work<Void, RuntimeException> work = c -> {
            for (Written w : written) {
                // a two-stage project's catalog counts its stage-one copies: a release draws new identifiers each time
                catalog.record(c, w.project(), w.facts());
                if (w.held() != null) {
                    CurationStore.hold(c, w.held());
                    setState(c, w.row().id(), HELD, null);
                    continue;
                }
                Outbox.add(c, w.row().id(), destinations, w.file(), w.target());
                setState(c, w.row().id(), PROCESSED, null);
            }
            for (Map.Entry<String, int[]> e : perPseudonym.entrySet()) {
                String[] key = e.getKey().split("\n", 2);
                audit.append(AuditEvent.DEIDENTIFIED, "receiver", Map.of("project", key[0], "pseudonym", key[1],
                        "instances", e.getValue()[0]));
            }
            return null;
        };
        if (held.isEmpty()) {
            db.inRedoableTransaction(work);
        } else {
            db.inTransaction(work);
        }
        long now = System.nanoTime();
        for (Written w : written) {
            metrics.processed(now - w.startedNanos());
            if (w.row().pixelsCleaned()) {
                try {
                    // its output is queued; a crash before this leaves a copy the pixel stage deletes at start
                    Files.deleteIfExists(folders.pixels().resolve(w.row().id() + ".dcm"));
                } catch (IOException e) {
                    LOG.warnf("object %d: its cleaned pixel copy could not be deleted (%s); deleted at the next start",
                            w.row().id(), e.getClass().getSimpleName());
                }
            }
            if (w.held() != null) {
                metrics.held();
                try {
                    // the held copy is the object now; the start-up recovery deletes what a crash leaves here
                    folders.recycler().retire(w.original());
                } catch (IOException e) {
                    LOG.warnf("object %d: its original could not be deleted from the spool (%s); deleted at the next start",
                            w.row().id(), e.getClass().getSimpleName());
                }
            }
        }
    }

    /** Held copies replace their originals: each file and each folder it created must be on disk first. */
    private void forceHeldCopies(List<Written> held) throws StoreException {
        Set<Path> touched = new LinkedHashSet<>();
        try {
            for (Written w : held) {
                Path file = folders.curation().resolve(w.held().file());
                DicomFiles.force(file);
                for (Path f = file.getParent(); f != null && !f.equals(folders.curation().getParent()); f = f.getParent()) {
                    touched.add(f);
                }
            }
            for (Path folder : touched) {
                DicomFiles.force(folder);
            }
        } catch (IOException e) {
            throw new StoreException("cannot force held copies to disk (" + StoreException.reasonOf(e) + ")", e);
        }
    }

    /** Returns the written output, or null when quarantined. StoreException: left as it is, for later. */
    private Written processOne(Received row) throws StoreException {
        long started = System.nanoTime();
        Path original = folders.spool().resolve(row.spoolFile());
        ProjectRouter.Route route = router.route(row.calledAe());
        if (route == null) {
            quarantine(row, original, "no project receives objects sent to AE title '" + row.calledAe() + "'");
            return null;
        }
        DicomObject object;
        Path cleaned = folders.pixels().resolve(row.id() + ".dcm");
        try {
            // verified whole on arrival (or by the start-up recovery); the processor does not walk it again.
            // An object whose pixels were cleaned is read from the pixel stage's copy (same header, masked pixels).
            object = row.pixelsCleaned() ? DicomFiles.open(cleaned) : DicomFiles.openVerified(original);
        } catch (DicomFileException e) {
            quarantine(row, original, "cannot be read: " + e.getMessage());
            return null;
        } catch (IOException e) {
            if (row.pixelsCleaned() && !Files.exists(cleaned)) {
                // the cleaned copy is gone (deleted by hand): clean the pixels again
                db.inTransaction(c -> {
                    setState(c, row.id(), PixelStage.WAITING, null);
                    return null;
                });
                return null;
            }
            // no descriptor left, an I/O error: the object is fine, the moment is not
            throw new StoreException("cannot read a received object now (" + StoreException.reasonOf(e) + ")", e);
        }
        // a person who released it from the quarantine has looked at the pixels
        if (!row.released() && !row.pixelsCleaned()) {
            if (pixelStage != null && pixelStage.cleans(route, object.dataset(), row.sopClassUid())) {
                db.inTransaction(c -> {
                    setState(c, row.id(), PixelStage.WAITING, null);
                    return null;
                });
                pixelStage.wake();
                return null;
            }
            var hold = QuarantineRules.reasonToHold(object.dataset(), row.sopClassUid(),
                    route.config().acceptsScreenCaptures());
            if (hold.isPresent()) {
                quarantine(row, original, hold.get());
                return null;
            }
        }
        DeidentifiedInstance result;
        try {
            result = route.engine().deidentify(object.dataset());
            if (route.pseudonymizes()) {
                vault.record(route.config().name(), result);
            }
            reportDistrusted(row.id(), object, result);
            if (row.pixelsCleaned()) {
                PixelStage.recordCleaned(object.dataset());
            }
        } catch (DeidentificationException | VaultException e) {
            quarantine(row, original, "not de-identified: " + e.getMessage());
            return null;
        }
        String file = row.id() + ".dcm";
        String target = result.pseudonym() + "/" + result.studyInstanceUid() + "/" + result.seriesInstanceUid() + "/"
                + result.sopInstanceUid() + ".dcm";
        HeldInstance held = null;
        if (route.config().twoStage()) {
            held = new HeldInstance(route.config().name(), result.pseudonym(), result.studyInstanceUid(),
                    result.seriesInstanceUid(), result.sopInstanceUid(), result.sopClassUid(),
                    text(object, TagFromName.Modality), text(object, TagFromName.StudyDate),
                    HeldInstance.relativeFile(route.config().name(), result.pseudonym(), result.studyInstanceUid(),
                            result.seriesInstanceUid(), result.sopInstanceUid()));
            file = held.file();
        }
        try {
            // written under its final name, not forced: nobody reads it before the batch commits, a crash
            // before that leaves the object "received", and one after it is caught by recoverOutbox
            if (held != null) {
                DicomFiles.writeUnsynced(object, folders.curation().resolve(file));
            } else {
                try (FileChannel channel = folders.recycler().create(folders.outboxFiles().resolve(file))) {
                    DicomFiles.write(object, channel);
                }
            }
        } catch (DicomFileException e) {
            quarantine(row, original, "cannot be written: " + e.getMessage());
            return null;
        } catch (IOException e) {
            // the disk is full or the folder gone: leave it received, the next round tries again
            throw new StoreException("cannot write the de-identified object (" + StoreException.reasonOf(e) + ")", e);
        }
        return new Written(row, original, file, target, route.config().name(), result.pseudonym(), started, held,
                CatalogFacts.of(object.dataset()));
    }

    /** Tags only: which attributes were distrusted is for hospital IT, their values never are. */
    private void reportDistrusted(long id, DicomObject object, DeidentifiedInstance result) {
        int emptied = result.emptiedTags().size();
        int unreadable = result.unreadableTags().size();
        int dropped = object.droppedTags().size();
        if (emptied + unreadable + dropped == 0) {
            return;
        }
        metrics.distrustedValues(emptied, unreadable + dropped);
        LOG.infof("object %d: %d kept values did not match their VR and were emptied %s; %d UN elements could not be "
                + "read as their VR and were removed %s; %d elements of undefined length that are no sequence were left out "
                + "at reading %s", id, emptied, DeidentifiedInstance.tags(result.emptiedTags()), unreadable,
                DeidentifiedInstance.tags(result.unreadableTags()), dropped, DeidentifiedInstance.tags(object.droppedTags()));
    }

    private static String text(DicomObject object, AttributeTag tag) {
        return Attribute.getSingleStringValueOrEmptyString(object.dataset(), tag).trim();
    }

    private void quarantine(Received row, Path original, String reason) throws StoreException {
        quarantine(row.id(), original, reason);
    }

    /** Moves the original to the quarantine; a cleaned copy of its pixels is deleted. */
    void quarantine(long id, Path original, String reason) throws StoreException {
        LOG.warnf("object %d quarantined: %s", id, reason);
        metrics.quarantined();
        try {
            if (Files.exists(original)) {
                org.deidgateway.dicom.SpoolPreamble.detach(original);
                Files.move(original, folders.quarantine().resolve(id + ".dcm"), StandardCopyOption.REPLACE_EXISTING);
            }
            Files.deleteIfExists(folders.pixels().resolve(id + ".dcm"));
        } catch (IOException e) {
            throw new StoreException("cannot move an object to the quarantine (" + StoreException.reasonOf(e) + ")", e);
        }
        db.inTransaction(c -> {
            setState(c, id, QUARANTINED, reason);
            return null;
        });
    }

    static void setState(java.sql.Connection c, long id, String state, String reason) throws java.sql.SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE received SET state = ?, reason = ?, updated_at = ? WHERE id = ?")) {
            ps.setString(1, state);
            ps.setString(2, reason);
            ps.setString(3, Instant.now().toString());
            ps.setLong(4, id);
            ps.executeUpdate();
        }
    }

    /**
     * At start, before anything is processed or forwarded: checks every de-identified copy still
     * waiting for a delivery and queues one a crash cut or lost to be made again ({@link OutboxRecovery}).
     */
    public OutboxRecovery.Result recoverOutbox() throws StoreException {
        return OutboxRecovery.run(db, folders);
    }
}
