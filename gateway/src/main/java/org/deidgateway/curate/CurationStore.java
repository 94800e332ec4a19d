package org.deidgateway.curate;

import org.deidgateway.store.Database;
import org.deidgateway.store.StoreException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToIntFunction;

/**
 * The held stage-one copies of two-stage projects: files under {@code curation/} in the home, one
 * row each. A copy is held once it is on disk (the processor forces it before the row commits) and
 * goes when its case was released and the project's retention has passed.
 */
public final class CurationStore {

    private static final String COLUMNS = "project, pseudonym, study_uid, series_uid, sop_instance_uid, sop_class_uid,"
            + " modality, study_date, file";

    private final Database db;
    private final Path root;

    public CurationStore(Database db, Path root) {
        this.db = db;
        this.root = root;
    }

    public Path root() {
        return root;
    }

    public Path fileOf(HeldInstance held) {
        return root.resolve(held.file());
    }

    /**
     * Records a held copy inside the caller's transaction. The same instance sent again replaces its
     * row and is held again, even if its case was released before: a new arrival waits for a curator.
     */
    public static void hold(Connection c, HeldInstance h) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO held (" + COLUMNS + ", held_at, released_at)"
                + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL) ON CONFLICT (project, sop_instance_uid) DO UPDATE SET"
                + " pseudonym = excluded.pseudonym, study_uid = excluded.study_uid, series_uid = excluded.series_uid,"
                + " sop_class_uid = excluded.sop_class_uid, modality = excluded.modality, study_date = excluded.study_date,"
                + " file = excluded.file, held_at = excluded.held_at, released_at = NULL")) {
            ps.setString(1, h.project());
            ps.setString(2, h.pseudonym());
            ps.setString(3, h.studyUid());
            ps.setString(4, h.seriesUid());
            ps.setString(5, h.sopInstanceUid());
            ps.setString(6, h.sopClassUid());
            ps.setString(7, h.modality());
            ps.setString(8, h.studyDate());
            ps.setString(9, h.file());
            ps.setString(10, Instant.now().toString());
            ps.executeUpdate();
        }
    }

    /** Every case waiting for a release, of one project or of all (null), by project and pseudonym. */
    public List<CaseSummary> cases(String projectOrNull) throws StoreException {
        Map<String, List<HeldInstance>> byCase = new LinkedHashMap<>();
        for (HeldInstance h : waiting(projectOrNull, null)) {
            byCase.computeIfAbsent(h.project() + "\n" + h.pseudonym(), k -> new ArrayList<>()).add(h);
        }
        List<CaseSummary> cases = new ArrayList<>();
        for (Map.Entry<String, List<HeldInstance>> e : byCase.entrySet()) {
            String[] key = e.getKey().split("\n", 2);
            cases.add(CaseSummary.of(key[0], key[1], e.getValue()));
        }
        return cases;
    }

    /** The held, not yet released instances of one case (or of every case of a project when pseudonym is null). */
    public List<HeldInstance> waiting(String projectOrNull, String pseudonymOrNull) throws StoreException {
        return db.read(c -> {
            List<HeldInstance> rows = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + " FROM held WHERE released_at IS NULL"
                    + " AND (? IS NULL OR project = ?) AND (? IS NULL OR pseudonym = ?)"
                    + " ORDER BY project, pseudonym, study_date, study_uid, series_uid, sop_instance_uid")) {
                ps.setString(1, projectOrNull);
                ps.setString(2, projectOrNull);
                ps.setString(3, pseudonymOrNull);
                ps.setString(4, pseudonymOrNull);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        rows.add(new HeldInstance(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
                                rs.getString(5), rs.getString(6), rs.getString(7), rs.getString(8), rs.getString(9)));
                    }
                }
            }
            return rows;
        });
    }

    /** How many instances wait for a release, over all projects. */
    public long waitingCount() throws StoreException {
        return db.read(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM held WHERE released_at IS NULL");
                 ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        });
    }

    /** Marks released instances inside the caller's transaction; their files stay until {@link #purgeReleased}. */
    public static void markReleased(Connection c, List<HeldInstance> released) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE held SET released_at = ? WHERE project = ?"
                + " AND sop_instance_uid = ? AND released_at IS NULL")) {
            String now = Instant.now().toString();
            for (HeldInstance h : released) {
                ps.setString(1, now);
                ps.setString(2, h.project());
                ps.setString(3, h.sopInstanceUid());
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    /**
     * Deletes the stage-one copies of released cases whose project's retention ({@code keepDays},
     * per project name) has passed; returns how many. The row goes after its file, so a crash in
     * between leaves a row that the next purge finishes.
     */
    public int purgeReleased(ToIntFunction<String> keepDays, Instant now) throws StoreException, IOException {
        record Released(long id, String project, String file, Instant at) {
        }
        List<Released> released = db.read(c -> {
            List<Released> rows = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT id, project, file, released_at FROM held"
                    + " WHERE released_at IS NOT NULL");
                 ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    rows.add(new Released(rs.getLong(1), rs.getString(2), rs.getString(3), Instant.parse(rs.getString(4))));
                }
            }
            return rows;
        });
        List<Long> gone = new ArrayList<>();
        for (Released r : released) {
            if (!r.at().plus(Duration.ofDays(keepDays.applyAsInt(r.project()))).isAfter(now)) {
                Path file = root.resolve(r.file());
                Files.deleteIfExists(file);
                deleteEmptyFolders(file.getParent());
                gone.add(r.id());
            }
        }
        if (!gone.isEmpty()) {
            db.inTransaction(c -> {
                try (PreparedStatement ps = c.prepareStatement("DELETE FROM held WHERE id = ? AND released_at IS NOT NULL")) {
                    for (long id : gone) {
                        ps.setLong(1, id);
                        ps.addBatch();
                    }
                    ps.executeBatch();
                }
                return null;
            });
        }
        return gone.size();
    }

    /** Series, study and case folders emptied by a purge go too, up to the project's folder. */
    private void deleteEmptyFolders(Path folder) throws IOException {
        Path current = folder;
        while (current != null && current.startsWith(root) && current.getNameCount() > root.getNameCount() + 1) {
            try (var entries = Files.list(current)) {
                if (entries.findAny().isPresent()) {
                    return;
                }
            }
            Files.deleteIfExists(current);
            current = current.getParent();
        }
    }
}
