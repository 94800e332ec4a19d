package org.deidgateway.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * The tables, versioned by SQLite's user_version (on PostgreSQL: the {@code schema.version} row of
 * {@code meta}). Each step runs once, in its own transaction; a database written by a newer gateway
 * is refused instead of misread. The statements are written for SQLite and said in PostgreSQL's
 * types by {@link Dialect#ddl}; several nodes starting at once migrate one after the other.
 */
final class Schema {

    private static final List<String> VERSION_1 = List.of(
            "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
            // Curators: public keys only. A removed curator keeps its row (the audit names it) but loses its wrapped keys.
            """
            CREATE TABLE curator (
              id INTEGER PRIMARY KEY,
              name TEXT NOT NULL,
              fingerprint TEXT NOT NULL UNIQUE,
              public_key BLOB NOT NULL,
              added_at TEXT NOT NULL,
              removed_at TEXT)""",
            "CREATE UNIQUE INDEX curator_active_name ON curator(name) WHERE removed_at IS NULL",
            // One row per patient and project. link_key is the keyed pseudonym (a blind index of the identity).
            """
            CREATE TABLE identity (
              id INTEGER PRIMARY KEY,
              project TEXT NOT NULL,
              pseudonym TEXT NOT NULL,
              link_key TEXT NOT NULL,
              created_at TEXT NOT NULL,
              updated_at TEXT NOT NULL,
              UNIQUE (project, pseudonym),
              UNIQUE (project, link_key))""",
            "CREATE INDEX identity_pseudonym ON identity(pseudonym)",
            // Sealed parts of an identity: the first study seen, then one part per further study.
            """
            CREATE TABLE identity_part (
              id INTEGER PRIMARY KEY,
              identity_id INTEGER NOT NULL REFERENCES identity(id),
              nonce BLOB NOT NULL,
              ciphertext BLOB NOT NULL,
              created_at TEXT NOT NULL)""",
            "CREATE INDEX identity_part_identity ON identity_part(identity_id)",
            """
            CREATE TABLE part_key (
              part_id INTEGER NOT NULL REFERENCES identity_part(id),
              curator_id INTEGER NOT NULL REFERENCES curator(id),
              wrapped_key BLOB NOT NULL,
              PRIMARY KEY (part_id, curator_id))""",
            // New (de-identified) study UIDs are not identifying: kept in clear to find a case from its data.
            """
            CREATE TABLE study_link (
              project TEXT NOT NULL,
              new_study_uid TEXT NOT NULL,
              identity_id INTEGER NOT NULL REFERENCES identity(id),
              PRIMARY KEY (project, new_study_uid))""",
            "CREATE INDEX study_link_uid ON study_link(new_study_uid)",
            """
            CREATE TABLE audit (
              seq INTEGER PRIMARY KEY,
              at TEXT NOT NULL,
              event TEXT NOT NULL,
              actor TEXT NOT NULL,
              details TEXT NOT NULL,
              prev_hash TEXT NOT NULL,
              hash TEXT NOT NULL)""");

    /**
     * Version 2: the receiver's intake. One row per object answered with Success; the spool file
     * is its content. No original UID or other identifying value is kept in clear.
     */
    private static final List<String> VERSION_2 = List.of(
            """
            CREATE TABLE received (
              id INTEGER PRIMARY KEY,
              spool_file TEXT NOT NULL UNIQUE,
              calling_ae TEXT NOT NULL,
              called_ae TEXT NOT NULL,
              sop_class_uid TEXT NOT NULL,
              transfer_syntax_uid TEXT NOT NULL,
              size INTEGER NOT NULL,
              received_at TEXT NOT NULL,
              state TEXT NOT NULL DEFAULT 'received',
              reason TEXT,
              updated_at TEXT)""",
            "CREATE INDEX received_state ON received(state, id)");

    /**
     * Version 3: the outbox. One row per processed object and destination; the de-identified file
     * is shared by the rows of one object and deleted when none of them is pending any more.
     */
    private static final List<String> VERSION_3 = List.of(
            """
            CREATE TABLE outbox (
              id INTEGER PRIMARY KEY,
              received_id INTEGER NOT NULL REFERENCES received(id),
              destination TEXT NOT NULL,
              file TEXT NOT NULL,
              target_path TEXT NOT NULL,
              state TEXT NOT NULL DEFAULT 'pending',
              attempts INTEGER NOT NULL DEFAULT 0,
              next_attempt_at INTEGER NOT NULL DEFAULT 0,
              last_error TEXT,
              created_at TEXT NOT NULL,
              updated_at TEXT NOT NULL,
              UNIQUE (received_id, destination))""",
            "CREATE INDEX outbox_due ON outbox(destination, state, next_attempt_at)");

    /** Version 4: a quarantined object released by a person is processed without the quarantine rules. */
    private static final List<String> VERSION_4 = List.of(
            "ALTER TABLE received ADD COLUMN released INTEGER NOT NULL DEFAULT 0");

    /**
     * Version 5: two-stage projects. {@code held}: stage-one copies waiting in the home for a
     * curator's release, with what {@code deid curation list} shows; it keeps no link to the received
     * object. {@code release_register}: a keyed one-way token per released pseudonym, nothing else.
     */
    private static final List<String> VERSION_5 = List.of(
            """
            CREATE TABLE held (
              id INTEGER PRIMARY KEY,
              project TEXT NOT NULL,
              pseudonym TEXT NOT NULL,
              study_uid TEXT NOT NULL,
              series_uid TEXT NOT NULL,
              sop_instance_uid TEXT NOT NULL,
              sop_class_uid TEXT NOT NULL,
              modality TEXT NOT NULL,
              study_date TEXT NOT NULL,
              file TEXT NOT NULL,
              held_at TEXT NOT NULL,
              released_at TEXT,
              UNIQUE (project, sop_instance_uid))""",
            "CREATE INDEX held_case ON held(project, pseudonym)",
            """
            CREATE TABLE release_register (
              token TEXT PRIMARY KEY,
              releases INTEGER NOT NULL,
              first_released_at TEXT NOT NULL,
              last_released_at TEXT NOT NULL)""");

    /**
     * Version 6: delivered rows stay in the outbox (for {@code deid queue status}), so finding the
     * other deliveries of one file must not read them all: without this index every delivery
     * scanned the whole table twice, and a gateway slowed down with every object it ever sent.
     */
    private static final List<String> VERSION_6 = List.of(
            "CREATE INDEX outbox_file ON outbox(file, state)");

    /**
     * Version 7: a destination may take several deliveries at once, each study on one of them. The
     * study's lane key (a hash of its de-identified Study Instance UID) is kept with each delivery,
     * so a forwarder asks only for its own studies; rows from before it have key 0 (the first lane).
     */
    private static final List<String> VERSION_7 = List.of(
            "ALTER TABLE outbox ADD COLUMN study_lane INTEGER NOT NULL DEFAULT 0");

    /**
     * Version 8: the research catalog (issue 17), one row per de-identified instance of facts read
     * from the copy; the instance, series, study and patient appear only as salted hashes.
     */
    private static final List<String> VERSION_8 = List.of(
            """
            CREATE TABLE catalog_instance (
              project TEXT NOT NULL,
              instance_key TEXT NOT NULL,
              patient_key TEXT NOT NULL,
              study_key TEXT NOT NULL,
              series_key TEXT NOT NULL,
              modality TEXT NOT NULL,
              body_part TEXT NOT NULL,
              dataset_type TEXT NOT NULL,
              image_analysis TEXT NOT NULL,
              sop_class TEXT NOT NULL,
              manufacturer TEXT NOT NULL,
              model TEXT NOT NULL,
              field_strength TEXT NOT NULL,
              slice_thickness REAL,
              contrast TEXT NOT NULL,
              sex TEXT NOT NULL,
              age_band TEXT NOT NULL,
              study_year TEXT NOT NULL,
              PRIMARY KEY (project, instance_key))""");

    private static final List<List<String>> STEPS = List.of(VERSION_1, VERSION_2, VERSION_3, VERSION_4, VERSION_5,
            VERSION_6, VERSION_7, VERSION_8);

    static final int VERSION = STEPS.size();

    /** Every schema statement, in order (for checking where each one's table belongs). */
    static List<String> statements() {
        return STEPS.stream().flatMap(List::stream).toList();
    }

    private Schema() {
    }

    private static final String VERSION_KEY = "schema.version";
    private static final String NODE_VERSION_KEY = "schema.version.node.";

    /**
     * Tables of one node on a shared server: their rows name files on that node's own disk (the
     * spool, the outbox copies, held stage-one copies), so each node has its own. Every other table
     * (identities, curators, the audit chain, the release register, meta) is shared.
     */
    static final java.util.Set<String> NODE_TABLES = java.util.Set.of("received", "outbox", "held");
    private static final java.util.regex.Pattern TABLE_OF =
            java.util.regex.Pattern.compile("(?:CREATE TABLE|ALTER TABLE|CREATE (?:UNIQUE )?INDEX \\w+ ON)\\s+(\\w+)");

    static boolean onNodeTable(String sql) {
        java.util.regex.Matcher m = TABLE_OF.matcher(sql);
        if (!m.find()) {
            throw new IllegalStateException("schema statement names no table: " + sql);
        }
        return NODE_TABLES.contains(m.group(1));
    }

    /** The versions of the shared tables and of this node's own; on SQLite both are the file's one version. */
    private record Versions(int shared, int node) {
    }

    static void migrate(Database db) throws StoreException {
        Versions current = db.read(c -> versions(db, c));
        int newest = Math.max(current.shared(), current.node());
        if (newest > VERSION) {
            throw new StoreException(db.location() + ": written by a newer deid-gateway (schema " + newest
                    + ", this one knows " + VERSION + "); refusing to use it");
        }
        for (int v = Math.min(current.shared(), current.node()); v < VERSION; v++) {
            List<String> step = STEPS.get(v);
            int done = v;
            db.inTransaction(c -> {
                db.lock(c, "deid-gateway schema");
                Versions now = versions(db, c); // another node may have made this step while we waited
                for (String sql : step) {
                    boolean nodeTable = onNodeTable(sql);
                    if ((nodeTable ? now.node() : now.shared()) > done) {
                        continue;
                    }
                    db.useSchemas(c, nodeTable);
                    try (Statement s = c.createStatement()) {
                        s.execute(db.dialect().ddl(sql));
                    }
                }
                db.useSchemas(c, true);
                setVersions(db, c, done + 1);
                return null;
            });
        }
    }

    private static Versions versions(Database db, Connection c) throws SQLException, StoreException {
        if (db.dialect() == Dialect.SQLITE) {
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("PRAGMA user_version")) {
                int v = rs.next() ? rs.getInt(1) : 0;
                return new Versions(v, v);
            }
        }
        try (Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT to_regclass('meta') IS NOT NULL")) {
            rs.next();
            if (!rs.getBoolean(1)) {
                return new Versions(0, 0);
            }
        }
        java.util.Optional<String> shared = metaValue(c, VERSION_KEY);
        if (shared.isEmpty()) {
            // the first step writes both at once: this "meta" is some other application's
            throw new StoreException(db.location() + ": the schema holds a table 'meta' that is not deid-gateway's;"
                    + " use a schema of its own (database.url ...?schema=NAME)");
        }
        return new Versions(Integer.parseInt(shared.get()), metaValue(c, NODE_VERSION_KEY + db.node()).map(Integer::parseInt).orElse(0));
    }

    private static java.util.Optional<String> metaValue(Connection c, String key) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT value FROM meta WHERE key = ?")) {
            ps.setString(1, key);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? java.util.Optional.of(rs.getString(1)) : java.util.Optional.empty();
            }
        }
    }

    private static void setVersions(Database db, Connection c, int version) throws SQLException {
        if (db.dialect() == Dialect.SQLITE) {
            try (Statement s = c.createStatement()) {
                s.execute("PRAGMA user_version = " + version);
            }
            return;
        }
        for (String key : List.of(VERSION_KEY, NODE_VERSION_KEY + db.node())) {
            // GREATEST: a newer node may have moved the shared tables on already
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key)"
                    + " DO UPDATE SET value = CAST(GREATEST(CAST(meta.value AS INTEGER), CAST(excluded.value AS INTEGER)) AS TEXT)")) {
                ps.setString(1, key);
                ps.setString(2, Integer.toString(version));
                ps.executeUpdate();
            }
        }
    }

    /** The nodes that ever made their own tables on this database (for {@code deid queue status}). */
    static List<String> nodes(Connection c) throws SQLException {
        List<String> nodes = new java.util.ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT key FROM meta WHERE key LIKE ? ORDER BY key")) {
            ps.setString(1, NODE_VERSION_KEY + "%");
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    nodes.add(rs.getString(1).substring(NODE_VERSION_KEY.length()));
                }
            }
        }
        return nodes;
    }
}
