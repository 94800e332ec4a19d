package org.deidgateway.curate;

import com.pixelmed.dicom.AttributeList;
import org.deidgateway.audit.AuditEvent;
import org.deidgateway.audit.AuditLog;
import org.deidgateway.deid.DeidentificationException;
import org.deidgateway.deid.DeidentifiedInstance;
import org.deidgateway.deid.Deidentifier;
import org.deidgateway.dicom.DicomFileException;
import org.deidgateway.dicom.DicomFiles;
import org.deidgateway.dicom.DicomObject;
import org.deidgateway.forward.Outbox;
import org.deidgateway.store.Database;
import org.deidgateway.store.StoreException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.IntConsumer;

/**
 * Releases one held case: all its instances through the anonymizing engine given (built for this
 * release alone, with its own random identity, UID key and date offset), checked for stage-one
 * traces, forced to disk in the outbox folder and queued for every destination in one transaction
 * with the release register and the audit. All or nothing: one instance that cannot be released
 * stops the case, and what was written for it is deleted.
 */
public final class CaseRelease {

    /** The calling AE title the queue shows for released objects. */
    public static final String SOURCE = "release";

    private final Database db;
    private final CurationStore store;
    private final Path outboxFiles;
    private final List<String> destinations;
    private final ReleaseRegister register;
    private final SecureRandom random = new SecureRandom();

    public CaseRelease(Database db, CurationStore store, Path outboxFiles, List<String> destinations,
                       ReleaseRegister register) {
        this.db = db;
        this.store = store;
        this.outboxFiles = outboxFiles;
        this.destinations = List.copyOf(destinations);
        this.register = register;
    }

    /** What a curator asks for; {@code force} overrides the follow-up criterion and the duplicate guard. */
    public record Request(String project, String pseudonym, String reason, boolean force, String actor,
                          int minFollowUpMonths) {
    }

    /** What was released: counts only; the new identity and offset are not known outside the engine. */
    public record Released(int instances, int studies, boolean releasedBefore) {
    }

    public Released release(Request request, Deidentifier engine, IntConsumer progress)
            throws StoreException, ReleaseException, IOException {
        List<HeldInstance> held = store.waiting(request.project(), request.pseudonym());
        if (held.isEmpty()) {
            throw new ReleaseException("no held case '" + request.pseudonym() + "' in project '" + request.project()
                    + "' (see deid curation list)");
        }
        CaseSummary summary = CaseSummary.of(request.project(), request.pseudonym(), held);
        String token = register.token(request.pseudonym());
        int before = db.read(c -> ReleaseRegister.releases(c, token));
        if (!request.force()) {
            String refusal = null;
            if (before > 0) {
                refusal = "this patient was released before (" + before + " time" + (before == 1 ? "" : "s")
                        + "); a second release would send them under a second identity. Use --force with a reason"
                        + " if that is really wanted";
            } else if (!summary.meetsFollowUp(request.minFollowUpMonths())) {
                refusal = "the case does not meet the project's criterion of " + request.minFollowUpMonths()
                        + " months of follow-up (it spans " + summary.followUpMonths().map(m -> m + " months").orElse(
                        "no readable study date") + "); use --force with a reason to release it anyway";
            }
            if (refusal != null) {
                audit(AuditEvent.CASE_RELEASE_REFUSED, request, Map.of("why", before > 0 ? "released before" : "criterion"));
                throw new ReleaseException("refused: " + refusal);
            }
        }
        List<Output> outputs = new ArrayList<>();
        boolean done = false;
        try {
            for (HeldInstance h : held) {
                outputs.add(stageTwo(h, request.pseudonym(), engine));
                progress.accept(outputs.size());
            }
            for (Output o : outputs) {
                DicomFiles.force(outboxFiles.resolve(o.file()));
            }
            DicomFiles.force(outboxFiles);
            commit(request, held, outputs, token, summary, before);
            done = true;
        } finally {
            if (!done) {
                for (Output o : outputs) {
                    Files.deleteIfExists(outboxFiles.resolve(o.file()));
                }
            }
        }
        return new Released(outputs.size(), summary.studies(), before > 0);
    }

    private record Output(String file, String target, String sopClassUid, String transferSyntaxUid, long size) {
    }

    private Output stageTwo(HeldInstance held, String pseudonym, Deidentifier engine) throws ReleaseException, IOException {
        DicomObject object;
        try {
            object = DicomFiles.open(store.fileOf(held));
        } catch (java.nio.file.NoSuchFileException e) {
            throw new ReleaseException("held copy " + held.file() + " is missing from " + store.root()
                    + "; nothing released");
        } catch (DicomFileException e) {
            throw new ReleaseException("held copy " + held.file() + " cannot be read (" + e.getMessage() + "); nothing released");
        }
        AttributeList dataset = object.dataset();
        Set<String> originalDates = StageOneTraces.fullDates(dataset);
        DeidentifiedInstance result;
        try {
            result = engine.deidentify(dataset);
        } catch (DeidentificationException e) {
            throw new ReleaseException("held copy " + held.file() + " cannot be anonymized (" + e.getMessage()
                    + "); nothing released");
        }
        Optional<String> trace = StageOneTraces.find(dataset, pseudonym, originalDates);
        if (trace.isPresent()) {
            // a date offset that happens to map one date of the object onto another also lands here; a new
            // release draws a new offset
            throw new ReleaseException("held copy " + held.file() + ": after anonymization " + trace.get()
                    + "; nothing released. If it names a date, releasing again draws another offset");
        }
        String file = "rel-" + HexFormat.of().formatHex(randomBytes(12)) + ".dcm";
        try {
            DicomFiles.writeUnsynced(object, outboxFiles.resolve(file));
        } catch (DicomFileException e) {
            throw new ReleaseException("held copy " + held.file() + " cannot be written (" + e.getMessage()
                    + "); nothing released");
        }
        // no new patient ID in the path: nothing in the home may carry it once the copy is delivered
        String target = result.studyInstanceUid() + "/" + result.seriesInstanceUid() + "/" + result.sopInstanceUid() + ".dcm";
        return new Output(file, target, held.sopClassUid(), object.transferSyntaxUid(),
                Files.size(outboxFiles.resolve(file)));
    }

    private void commit(Request request, List<HeldInstance> held, List<Output> outputs, String token, CaseSummary summary,
                        int releasesBefore) throws StoreException, ReleaseException {
        AuditLog audit = new AuditLog(db);
        String now = Instant.now().toString();
        boolean releasedBefore = releasesBefore > 0;
        db.<Void, ReleaseException>inTransaction(c -> {
            // a second release of the same case running at the same time: the first to commit wins
            if (!request.force() && ReleaseRegister.releases(c, token) != releasesBefore) {
                throw new ReleaseException("refused: this patient was released by another command meanwhile; nothing"
                        + " released");
            }
            for (Output o : outputs) {
                long id;
                // a queue entry needs an intake row; this one names no held instance, so nothing links the two stages
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO received (spool_file, calling_ae, called_ae,"
                        + " sop_class_uid, transfer_syntax_uid, size, received_at, state) VALUES (?, ?, ?, ?, ?, ?, ?,"
                        + " 'processed') RETURNING id")) {
                    ps.setString(1, o.file());
                    ps.setString(2, SOURCE);
                    ps.setString(3, request.project());
                    ps.setString(4, o.sopClassUid());
                    ps.setString(5, o.transferSyntaxUid());
                    ps.setLong(6, o.size());
                    ps.setString(7, now);
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        id = rs.getLong(1);
                    }
                }
                Outbox.add(c, id, destinations, o.file(), o.target());
            }
            CurationStore.markReleased(c, held);
            ReleaseRegister.record(c, token);
            Map<String, Object> details = new LinkedHashMap<>();
            details.put("project", request.project());
            details.put("pseudonym", request.pseudonym());
            details.put("instances", outputs.size());
            details.put("studies", summary.studies());
            details.put("reason", request.reason());
            if (request.force()) {
                details.put("forced", releasedBefore ? "released before" : "criterion not met");
            }
            audit.append(AuditEvent.CASE_RELEASED, request.actor(), details);
            return null;
        });
    }

    private void audit(AuditEvent event, Request request, Map<String, Object> extra) throws StoreException {
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("project", request.project());
        details.put("pseudonym", request.pseudonym());
        details.put("reason", request.reason());
        details.putAll(extra);
        AuditLog audit = new AuditLog(db);
        db.inTransaction(c -> {
            audit.append(event, request.actor(), details);
            return null;
        });
    }

    private byte[] randomBytes(int n) {
        byte[] bytes = new byte[n];
        random.nextBytes(bytes);
        return bytes;
    }

    /** A release that did not happen, with the reason a curator can act on. */
    public static final class ReleaseException extends Exception {
        public ReleaseException(String message) {
            super(message);
        }
    }
}
