package org.deidgateway.receive;

import com.pixelmed.dicom.Attribute;
import com.pixelmed.dicom.AttributeList;
import com.pixelmed.dicom.AttributeTag;
import com.pixelmed.dicom.DicomInputStream;
import com.pixelmed.dicom.TagFromName;
import org.deidgateway.dicom.DicomFileException;
import org.deidgateway.dicom.DicomFiles;
import org.deidgateway.dicom.SpoolPreamble;
import org.deidgateway.store.Database;
import org.deidgateway.store.StoreException;
import org.jboss.logging.Logger;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The received objects in the database, one row each, which queue them for processing. A row is
 * written after the object's spool file is durable (and Success sent), in batches; at start
 * {@link #recover} gives every spool file without a row its row again, so none is forgotten.
 */
public final class IntakeLog {

    public static final String STATE_RECEIVED = "received";
    /** Other states in which the spool file is still the only copy (the pixel stage's: pipeline.PixelStage). */
    public static final java.util.Set<String> STATES_BEFORE_PROCESSING = java.util.Set.of("pixels", "cleaned");
    private static final Logger LOG = Logger.getLogger(IntakeLog.class);
    private static final AttributeTag RECEIVING_AE_TITLE = new AttributeTag(0x0002, 0x0018);

    private final Database db;

    public IntakeLog(Database db) {
        this.db = db;
    }

    /** One received object, durable in the spool. */
    public record Received(Path spoolFile, String callingAe, String calledAe, String sopClassUid, String transferSyntaxUid,
                           long size) {
    }

    /** Records one object and returns its row ID (an object already recorded keeps its row). */
    long record(Path spoolFile, String callingAe, String calledAe, String sopClassUid, String transferSyntaxUid, long size)
            throws StoreException {
        recordAll(List.of(new Received(spoolFile, callingAe, calledAe, sopClassUid, transferSyntaxUid, size)));
        return db.read(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT id FROM received WHERE spool_file = ?")) {
                ps.setString(1, spoolFile.getFileName().toString());
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getLong(1);
                }
            }
        });
    }

    /** Records objects in one transaction; a file recorded already is left as it is. */
    public void recordAll(List<Received> objects) throws StoreException {
        if (objects.isEmpty()) {
            return;
        }
        String now = Instant.now().truncatedTo(ChronoUnit.MILLIS).toString();
        // redoable: a row lost with its commit is written again from the spool file at the next start
        db.inRedoableTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO received(spool_file, calling_ae, called_ae,"
                    + " sop_class_uid, transfer_syntax_uid, size, received_at, state) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
                    + " ON CONFLICT DO NOTHING")) {
                for (Received r : objects) {
                    ps.setString(1, r.spoolFile().getFileName().toString());
                    ps.setString(2, r.callingAe());
                    ps.setString(3, r.calledAe());
                    ps.setString(4, r.sopClassUid());
                    ps.setString(5, r.transferSyntaxUid());
                    ps.setLong(6, r.size());
                    ps.setString(7, now);
                    ps.setString(8, STATE_RECEIVED);
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            return null;
        });
    }

    /** How many objects are in a state (for example {@link #STATE_RECEIVED}: waiting to be processed). */
    public long count(String state) throws StoreException {
        return db.read(c -> count(c, state));
    }

    /** {@link #count(String)} on a given connection (another node's queue, read by {@code deid queue status}). */
    public static long count(java.sql.Connection c, String state) throws java.sql.SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM received WHERE state = ?")) {
            ps.setString(1, state);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    /** What {@link #recover} found in the spool. */
    public record Recovery(int recorded, int incompleteDeleted, int processedDeleted) {
    }

    /**
     * Brings the spool and the rows together before anything is received: a complete file without a
     * row (its row was still to be written when the process ended) is recorded, from what its file
     * meta information says; a file that fails the receiver's completeness check was cut while
     * arriving, so nobody was told Success, and goes; the original of an object processed and
     * delivered everywhere (deleted by the forwarder, unless the process ended first) goes too.
     */
    public Recovery recover(Path spoolFolder, String defaultCalledAe) throws StoreException, IOException {
        List<Path> files;
        try (Stream<Path> list = Files.list(spoolFolder)) {
            files = list.filter(f -> f.getFileName().toString().endsWith(".dcm")).sorted().toList();
        }
        // the rows of the files there, by the spool_file index: the table holds every object ever received
        // a processed original stays while a copy made from it waits for a delivery or a retry
        Map<String, String> states = db.read(c -> {
            Map<String, String> rows = new HashMap<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT CASE WHEN state = 'processed' AND EXISTS"
                    + " (SELECT 1 FROM outbox o WHERE o.received_id = r.id AND o.state IN ('pending', 'dead'))"
                    + " THEN 'received' ELSE state END FROM received r WHERE spool_file = ?")) {
                for (Path file : files) {
                    ps.setString(1, file.getFileName().toString());
                    try (ResultSet rs = ps.executeQuery()) {
                        if (rs.next()) {
                            rows.put(file.getFileName().toString(), rs.getString(1));
                        }
                    }
                }
            }
            return rows;
        });
        int incomplete = 0;
        int processed = 0;
        List<Received> found = new java.util.ArrayList<>();
        for (Path file : files) {
            String state = states.get(file.getFileName().toString());
            // waiting for the pixel stage, or cleaned and waiting for its header: the original is still the object
            if (STATE_RECEIVED.equals(state) || (state != null && STATES_BEFORE_PROCESSING.contains(state))) {
                continue;
            }
            if (state != null) {
                Files.deleteIfExists(file);
                processed++;
                continue;
            }
            try {
                // a reused file: committed under this name, and its checksum matches its length
                if (SpoolPreamble.read(file).kind() == SpoolPreamble.Kind.COMMITTED) {
                    SpoolPreamble.verify(file);
                }
                DicomFiles.VerifiedObject object = DicomFiles.verifyComplete(file);
                found.add(fromFileMeta(file, object, defaultCalledAe));
            } catch (DicomFileException e) {
                Files.deleteIfExists(file);
                incomplete++;
            }
        }
        recordAll(found);
        if (!found.isEmpty() || incomplete > 0 || processed > 0) {
            LOG.infof("spool recovered: %d objects recorded again, %d incomplete files deleted, %d processed originals deleted",
                    found.size(), incomplete, processed);
        }
        return new Recovery(found.size(), incomplete, processed);
    }

    private static Received fromFileMeta(Path file, DicomFiles.VerifiedObject object, String defaultCalledAe)
            throws IOException, DicomFileException {
        AttributeList meta = new AttributeList();
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 8192)) {
            // the group read by its own length, from a buffer: PixelMed, given the rest of a reused
            // spool file, read on past the group and failed in the data set (seen in SpoolInPlaceTest)
            byte[] prefix = in.readNBytes(132);
            if (prefix.length < 132 || prefix[128] != 'D' || prefix[129] != 'I' || prefix[130] != 'C' || prefix[131] != 'M') {
                throw new DicomFileException("no file meta information");
            }
            byte[] groupLength = in.readNBytes(12);
            if (groupLength.length < 12) {
                throw new DicomFileException("no file meta information");
            }
            long length = java.nio.ByteBuffer.wrap(groupLength, 8, 4).order(java.nio.ByteOrder.LITTLE_ENDIAN).getInt() & 0xFFFFFFFFL;
            if (length > 64 * 1024) {
                throw new DicomFileException("file meta information unreadable");
            }
            byte[] group = in.readNBytes((int) length);
            byte[] elements = new byte[12 + group.length];
            System.arraycopy(groupLength, 0, elements, 0, 12);
            System.arraycopy(group, 0, elements, 12, group.length);
            meta.read(new DicomInputStream(new java.io.ByteArrayInputStream(elements)));
        } catch (com.pixelmed.dicom.DicomException e) {
            throw new DicomFileException("file meta information unreadable");
        }
        String calling = Attribute.getSingleStringValueOrEmptyString(meta, TagFromName.SourceApplicationEntityTitle).trim();
        String called = Attribute.getSingleStringValueOrEmptyString(meta, RECEIVING_AE_TITLE).trim();
        String ts = Attribute.getSingleStringValueOrEmptyString(meta, TagFromName.TransferSyntaxUID).trim();
        return new Received(file, calling, called.isEmpty() ? defaultCalledAe : called, object.sopClassUid(), ts,
                DicomFiles.sizeOf(file));
    }
}
