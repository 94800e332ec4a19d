package org.deidgateway.pipeline;

import com.pixelmed.dicom.AttributeList;
import org.deidgateway.deid.TextCleaner;
import org.deidgateway.dicom.DicomFileException;
import org.deidgateway.dicom.DicomFiles;
import org.deidgateway.dicom.DicomObject;
import org.deidgateway.metrics.GatewayMetrics;
import org.deidgateway.pixel.PixelCleaner;
import org.deidgateway.profile.ProfileOption;
import org.deidgateway.store.Database;
import org.deidgateway.store.StoreException;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;

/**
 * Clean Pixel Data between receiving and de-identifying: the processor hands an object whose
 * pixels its project cleans to this stage (state "pixels") and goes on with the next; a pixel
 * worker masks and checks it ({@link PixelCleaner}) on its own thread, so OCR never holds up CT
 * headers, and writes the object with its cleaned pixels (header unchanged) to {@code pixels/}
 * (state "cleaned"), or sends it to the quarantine with the reason. The processor then
 * de-identifies the cleaned copy like any other object. The state is in the database, so a crash
 * at any step only repeats it.
 */
public final class PixelStage {

    /** Waiting for a pixel worker. */
    public static final String WAITING = "pixels";
    /** Pixels cleaned and checked: the header's turn. */
    public static final String CLEANED = "cleaned";
    private static final Logger LOG = Logger.getLogger(PixelStage.class);
    private static final int ROUND = 4;

    private final Database db;
    private final Processor.Folders folders;
    private final ProjectRouter router;
    private final Processor processor;
    private final PixelCleaner cleaner;
    /** Why no object can be cleaned (the rules file is unusable), or null. */
    private final String unavailable;
    private final GatewayMetrics metrics;
    private final List<ProcessingLoop> workers = new ArrayList<>();

    public PixelStage(Database db, Processor.Folders folders, ProjectRouter router, Processor processor, PixelCleaner cleaner,
                      String unavailable, GatewayMetrics metrics) throws IOException {
        this.db = db;
        this.folders = folders;
        this.router = router;
        this.processor = processor;
        this.cleaner = cleaner;
        this.unavailable = unavailable;
        this.metrics = metrics;
        Files.createDirectories(folders.pixels());
    }

    /** Whether the object's project cleans pixels and this object needs it. */
    boolean cleans(ProjectRouter.Route route, AttributeList dataset, String sopClassUid) {
        return route.engine().profile().has(ProfileOption.CLEAN_PIXEL_DATA)
                && (cleaner == null
                ? PixelCleaner.mayShowText(dataset, sopClassUid, route.config().acceptsScreenCaptures())
                : cleaner.needsCleaning(dataset, sopClassUid, route.config().acceptsScreenCaptures()));
    }

    /** Marks a de-identified object whose pixels were cleaned: Burned In Annotation NO, code 113101. */
    static void recordCleaned(AttributeList dataset) throws org.deidgateway.deid.DeidentificationException {
        try {
            PixelCleaner.recordCleaned(dataset);
        } catch (com.pixelmed.dicom.DicomException e) {
            throw new org.deidgateway.deid.DeidentificationException("cannot record Clean Pixel Data (" + e.getMessage() + ")", e);
        }
    }

    /** The loop of worker {@code index} of {@code count}: each takes the objects whose id leaves its index. */
    public ProcessingLoop worker(int index, int count) {
        ProcessingLoop loop = new ProcessingLoop(() -> cleanAvailable(index, count), "pixel cleaning");
        synchronized (workers) {
            workers.add(loop);
        }
        return loop;
    }

    void wake() {
        synchronized (workers) {
            workers.forEach(ProcessingLoop::wake);
        }
    }

    /**
     * At start: a cleaned copy whose object is no longer "cleaned" (its output was queued, or it was
     * quarantined, just before a crash) is deleted; a half-written one likewise.
     */
    public int deleteStaleCopies() throws StoreException {
        List<Path> stale = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(folders.pixels())) {
            for (Path f : files) {
                String name = f.getFileName().toString();
                Long id = name.matches("\\d{1,18}\\.dcm") ? Long.valueOf(name.substring(0, name.length() - 4)) : null;
                if (id == null || !CLEANED.equals(stateOf(id))) {
                    stale.add(f);
                }
            }
            for (Path f : stale) {
                Files.deleteIfExists(f);
            }
        } catch (IOException e) {
            throw new StoreException("cannot tidy the pixel stage's folder (" + StoreException.reasonOf(e) + ")", e);
        }
        return stale.size();
    }

    private String stateOf(long id) throws StoreException {
        return db.read(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT state FROM received WHERE id = ?")) {
                ps.setLong(1, id);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? rs.getString(1) : null;
                }
            }
        });
    }

    private record Waiting(long id, String spoolFile, String calledAe, String sopClassUid) {
    }

    int cleanAvailable(int index, int count) throws StoreException {
        List<Waiting> rows = db.read(c -> {
            List<Waiting> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT id, spool_file, called_ae, sop_class_uid FROM received"
                    + " WHERE state = ? AND id % ? = ? ORDER BY id LIMIT " + ROUND)) {
                ps.setString(1, WAITING);
                ps.setInt(2, count);
                ps.setInt(3, index);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(new Waiting(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4)));
                    }
                }
            }
            return out;
        });
        for (Waiting row : rows) {
            cleanOne(row);
        }
        if (!rows.isEmpty()) {
            processor.wakeAfterPixels();
        }
        return rows.size();
    }

    private void cleanOne(Waiting row) throws StoreException {
        Path original = folders.spool().resolve(row.spoolFile());
        if (unavailable != null) {
            processor.quarantine(row.id(), original, unavailable);
            return;
        }
        ProjectRouter.Route route = router.route(row.calledAe());
        if (route == null) {
            processor.quarantine(row.id(), original, "no project receives objects sent to AE title '" + row.calledAe() + "'");
            return;
        }
        long started = System.nanoTime();
        DicomObject object;
        try {
            object = DicomFiles.openVerified(original);
        } catch (DicomFileException e) {
            processor.quarantine(row.id(), original, "cannot be read: " + e.getMessage());
            return;
        } catch (IOException e) {
            throw new StoreException("cannot read a received object now (" + StoreException.reasonOf(e) + ")", e);
        }
        TextCleaner identifying = route.engine().identifyingStrings(object.dataset());
        Path work = folders.pixels().resolve(row.id() + ".pixels");
        Path target = folders.pixels().resolve(row.id() + ".dcm");
        try {
            PixelCleaner.Outcome outcome = cleaner.clean(object, identifying, work);
            if (outcome instanceof PixelCleaner.Held held) {
                metrics.pixelsHeld();
                processor.quarantine(row.id(), original, held.reason());
                return;
            }
            PixelCleaner.Cleaned done = (PixelCleaner.Cleaned) outcome;
            DicomFiles.writeAtomically(done.object(), target);
            db.inTransaction(c -> {
                Processor.setState(c, row.id(), CLEANED, null);
                return null;
            });
            metrics.pixelsCleaned(System.nanoTime() - started);
            // rule names, counts and positions only: the words read are never logged
            LOG.infof("object %d: pixel data cleaned in %d ms (%s)", row.id(), (System.nanoTime() - started) / 1_000_000,
                    done.summary());
        } catch (DicomFileException e) {
            processor.quarantine(row.id(), original, "cleaned pixel data cannot be written: " + e.getMessage());
        } catch (RuntimeException e) {
            // a defect here must not end the worker and strand every object behind this one
            LOG.errorf("object %d: internal error while cleaning pixel data (%s)", row.id(), e.getClass().getName());
            processor.quarantine(row.id(), original, "internal error while cleaning pixel data (" + e.getClass().getName()
                    + "); please report it");
        } catch (IOException e) {
            throw new StoreException("cannot clean pixel data now (" + StoreException.reasonOf(e) + ")", e);
        } finally {
            try {
                Files.deleteIfExists(work);
            } catch (IOException e) {
                LOG.debugf("object %d: work file left (%s)", row.id(), e.getClass().getSimpleName());
            }
        }
    }
}
