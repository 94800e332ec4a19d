package org.deidgateway.receive;

import org.deidgateway.dicom.DicomFileException;
import org.deidgateway.dicom.DicomFiles;
import org.deidgateway.metrics.GatewayMetrics;
import org.deidgateway.store.StoreException;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.file.Path;

/**
 * The C-STORE service: a received data set is written to the spool, read back to prove it is a
 * complete, readable object of the announced instance, made durable, handed to the intake, and only
 * then answered with Success. Anything else gets a failure status (PS3.4 Annex B), never Success.
 */
public final class StoreService {

    public static final int SUCCESS = 0x0000;
    public static final int OUT_OF_RESOURCES = 0xA700;
    public static final int DATA_SET_DOES_NOT_MATCH_SOP_CLASS = 0xA900;
    public static final int CANNOT_UNDERSTAND = 0xC000;

    private static final Logger LOG = Logger.getLogger(StoreService.class);

    private final Spool spool;
    private final Intake intake;
    private final GatewayMetrics metrics;

    /** Where a durable object is handed: recorded at once, or queued for an {@link IntakeRecorder}. */
    public interface Intake {
        void accept(IntakeLog.Received object) throws StoreException;

        /** Why objects cannot be recorded now (the database is unavailable), or null. */
        default String unavailable() {
            return null;
        }
    }

    /** Records each object before its Success (tests, and anything that wants the row at once). */
    public StoreService(Spool spool, IntakeLog intake) {
        this(spool, object -> intake.recordAll(java.util.List.of(object)), GatewayMetrics.inMemory());
    }

    /** The daemon's way: the row is written by the recorder, in batches, after Success. */
    public StoreService(Spool spool, IntakeRecorder recorder, GatewayMetrics metrics) {
        this(spool, new Intake() {
            @Override
            public void accept(IntakeLog.Received object) throws StoreException {
                recorder.submit(object);
            }

            @Override
            public String unavailable() {
                return recorder.unavailable();
            }
        }, metrics);
    }

    public StoreService(Spool spool, Intake intake, GatewayMetrics metrics) {
        this.spool = spool;
        this.intake = intake;
        this.metrics = metrics;
    }

    /** Objects are refused, not spooled, while the database cannot record them. */
    static final class DatabaseUnavailable extends IOException {
        DatabaseUnavailable(String reason) {
            super("not accepting objects while the database is unavailable (" + reason + ")");
        }
    }

    /** The outcome sent back: a status and, for failures, a comment (no data set content in it). */
    public record Outcome(int status, String comment) {
        static Outcome success() {
            return new Outcome(SUCCESS, "");
        }
    }

    Spool.Incoming begin(String sopClassUid, String sopInstanceUid, String transferSyntaxUid, String callingAe,
                         String calledAe) throws IOException {
        String unavailable = intake.unavailable();
        if (unavailable != null) {
            // nothing is acknowledged that cannot be recorded: the sender keeps it, or sends it to another node
            throw new DatabaseUnavailable(unavailable);
        }
        return spool.begin(FileMetaHeader.encode(sopClassUid, sopInstanceUid, transferSyntaxUid, callingAe, calledAe));
    }

    /** Checks, commits and records a completely received object. */
    Outcome complete(Spool.Incoming incoming, String sopClassUid, String sopInstanceUid, String transferSyntaxUid,
                     String callingAe, String calledAe) {
        long started = System.nanoTime();
        Outcome outcome = check(incoming, sopClassUid, sopInstanceUid, transferSyntaxUid, callingAe, calledAe);
        if (outcome.status() == SUCCESS) {
            metrics.received(System.nanoTime() - started);
        } else {
            metrics.failed("receive");
        }
        return outcome;
    }

    private Outcome check(Spool.Incoming incoming, String sopClassUid, String sopInstanceUid, String transferSyntaxUid,
                          String callingAe, String calledAe) {
        try (incoming) {
            incoming.flush();
            DicomFiles.VerifiedObject object;
            try {
                object = DicomFiles.verifyComplete(incoming.file(), incoming.objectLength());
            } catch (DicomFileException e) {
                LOG.infof("refused an object from %s: %s", callingAe, e.getMessage());
                return new Outcome(CANNOT_UNDERSTAND, e.getMessage());
            }
            if (!object.sopInstanceUid().equals(sopInstanceUid) || !object.sopClassUid().equals(sopClassUid)) {
                return new Outcome(DATA_SET_DOES_NOT_MATCH_SOP_CLASS,
                        "SOP Class/Instance UID of the data set differ from the command's");
            }
            if (object.isImageWithoutPixels()) {
                // a cut just before (7FE0,0010) frames as a whole, shorter data set: only the IOD tells
                LOG.infof("refused an object from %s: an image storage SOP class without pixel data", callingAe);
                return new Outcome(DATA_SET_DOES_NOT_MATCH_SOP_CLASS, "no Pixel Data in an image storage data set");
            }
            Path committed = incoming.commit();
            try {
                intake.accept(new IntakeLog.Received(committed, callingAe, calledAe, sopClassUid, transferSyntaxUid,
                        incoming.size()));
            } catch (StoreException e) {
                // not recorded means not received: the file goes, the peer will send again
                java.nio.file.Files.deleteIfExists(committed);
                LOG.errorf("cannot record a received object: %s", e.getMessage());
                return new Outcome(OUT_OF_RESOURCES, "cannot record the object");
            }
            return Outcome.success();
        } catch (IOException e) {
            LOG.errorf("cannot spool a received object: %s", e.getMessage());
            return new Outcome(OUT_OF_RESOURCES, "cannot store the object");
        }
    }
}
