package org.deidgateway.catalog;

import org.deidgateway.store.Database;
import org.deidgateway.store.StoreException;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * The catalog's facts in the database, one row per de-identified instance, and the counts read
 * from them. Patients, studies, series and instances are told apart by an HMAC of their
 * de-identified identifier under a random salt of the installation's: equal identifiers count
 * once (an instance sent twice is one instance), and no pseudonym or UID is stored.
 */
public final class CatalogStore {

    private static final String SALT_KEY = "catalog.salt";

    /** The columns that are counted by value; their names are fixed here, never taken from input. */
    public enum Dimension {
        MODALITY("modality"), BODY_PART("body_part"), DATASET_TYPE("dataset_type"), IMAGE_ANALYSIS("image_analysis"),
        SOP_CLASS("sop_class"), MANUFACTURER("manufacturer"), MODEL("model"), FIELD_STRENGTH("field_strength"),
        CONTRAST("contrast"), SEX("sex"), AGE_BAND("age_band"), STUDY_YEAR("study_year");

        final String column;

        Dimension(String column) {
            this.column = column;
        }
    }

    /** Counts of one value (or one combination of values) of a project. */
    public record Cell(List<String> values, long patients, long studies, long series, long instances) {
    }

    private final Database db;
    private volatile byte[] salt;

    public CatalogStore(Database db) {
        this.db = db;
    }

    /** Adds one instance's facts, in the caller's transaction; an instance already counted is left as it is. */
    public void record(Connection c, String project, CatalogFacts f) throws SQLException {
        Mac mac = keyMac(salt(c));
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO catalog_instance (project, instance_key, patient_key,"
                + " study_key, series_key, modality, body_part, dataset_type, image_analysis, sop_class, manufacturer, model,"
                + " field_strength, slice_thickness, contrast, sex, age_band, study_year)"
                + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (project, instance_key) DO NOTHING")) {
            int i = 1;
            ps.setString(i++, project);
            ps.setString(i++, key(mac, project, "instance", f.instance()));
            ps.setString(i++, key(mac, project, "patient", f.patient()));
            ps.setString(i++, key(mac, project, "study", f.study()));
            ps.setString(i++, key(mac, project, "series", f.series()));
            for (String value : new String[] {f.modality(), f.bodyPart(), f.datasetType(), f.imageAnalysis(), f.sopClass(),
                    f.manufacturer(), f.model(), f.fieldStrength()}) {
                ps.setString(i++, bounded(value));
            }
            if (Double.isNaN(f.sliceThickness()) || f.sliceThickness() <= 0) {
                ps.setNull(i++, java.sql.Types.REAL);
            } else {
                ps.setDouble(i++, f.sliceThickness());
            }
            ps.setString(i++, f.contrast() ? "yes" : "no");
            ps.setString(i++, f.sex());
            ps.setString(i++, f.ageBand());
            ps.setString(i, f.studyYear());
            ps.executeUpdate();
        }
    }

    public Cell totals(String project) throws StoreException {
        return db.read(c -> cells(c, project, List.of()).stream().findFirst().orElse(new Cell(List.of(), 0, 0, 0, 0)));
    }

    /** Counts per value of one dimension, or per combination of several. */
    public List<Cell> cells(String project, Dimension... dimensions) throws StoreException {
        return db.read(c -> cells(c, project, List.of(dimensions)));
    }

    /** Slice thickness, smallest and largest, per modality: with the patients it was read from. */
    public record Range(String modality, double min, double max, long patients) {
    }

    public List<Range> sliceThickness(String project) throws StoreException {
        return db.read(c -> {
            List<Range> ranges = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT modality, MIN(slice_thickness), MAX(slice_thickness),"
                    + " COUNT(DISTINCT patient_key) FROM catalog_instance WHERE project = ? AND slice_thickness IS NOT NULL"
                    + " GROUP BY modality ORDER BY modality")) {
                ps.setString(1, project);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        ranges.add(new Range(rs.getString(1), rs.getDouble(2), rs.getDouble(3), rs.getLong(4)));
                    }
                }
            }
            return ranges;
        });
    }

    /** The installation's random ID (no patient in it), which names the biobank when hospital IT names none. */
    public String installationId() throws StoreException {
        return db.read(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT value FROM meta WHERE key = 'installation.id'");
                 ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : "unnamed";
            }
        });
    }

    /** The projects that have a catalog. */
    public List<String> projects() throws StoreException {
        return db.read(c -> {
            List<String> projects = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT DISTINCT project FROM catalog_instance ORDER BY project");
                 ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    projects.add(rs.getString(1));
                }
            }
            return projects;
        });
    }

    private static List<Cell> cells(Connection c, String project, List<Dimension> dimensions) throws SQLException {
        String columns = String.join(", ", dimensions.stream().map(d -> d.column).toList());
        String sql = "SELECT " + (columns.isEmpty() ? "" : columns + ", ") + "COUNT(DISTINCT patient_key), COUNT(DISTINCT study_key),"
                + " COUNT(DISTINCT series_key), COUNT(*) FROM catalog_instance WHERE project = ?"
                + (columns.isEmpty() ? "" : " GROUP BY " + columns + " ORDER BY " + columns);
        List<Cell> cells = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, project);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    List<String> values = new ArrayList<>();
                    for (int i = 1; i <= dimensions.size(); i++) {
                        values.add(rs.getString(i));
                    }
                    int n = dimensions.size();
                    if (rs.getLong(n + 4) > 0) {
                        cells.add(new Cell(List.copyOf(values), rs.getLong(n + 1), rs.getLong(n + 2), rs.getLong(n + 3),
                                rs.getLong(n + 4)));
                    }
                }
            }
        }
        return cells;
    }

    /** The installation's salt, made once; several nodes starting at once agree on the first one written. */
    private byte[] salt(Connection c) throws SQLException {
        byte[] s = salt;
        if (s != null) {
            return s;
        }
        byte[] fresh = new byte[32];
        new SecureRandom().nextBytes(fresh);
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING")) {
            ps.setString(1, SALT_KEY);
            ps.setString(2, HexFormat.of().formatHex(fresh));
            ps.executeUpdate();
        }
        try (PreparedStatement ps = c.prepareStatement("SELECT value FROM meta WHERE key = ?")) {
            ps.setString(1, SALT_KEY);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                s = HexFormat.of().parseHex(rs.getString(1));
            }
        }
        salt = s;
        return s;
    }

    /** One keyed hash for an instance's four keys: doFinal resets it for the next. */
    private static Mac keyMac(byte[] salt) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(salt, "HmacSHA256"));
            return mac;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every Java runtime", e);
        }
    }

    private static String key(Mac mac, String project, String kind, String identifier) {
        byte[] digest = mac.doFinal((project + "\0" + kind + "\0" + identifier).getBytes(StandardCharsets.UTF_8));
        return HexFormat.of().formatHex(digest, 0, 16);
    }

    /** Descriptive values are short; a longer one is cut rather than stored whole. */
    private static String bounded(String value) {
        return value.length() <= 64 ? value : value.substring(0, 64);
    }
}
