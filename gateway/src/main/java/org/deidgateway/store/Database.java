package org.deidgateway.store;

import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Optional;

/**
 * The gateway's database: by default one SQLite file in the home directory, in WAL mode with full
 * synchronisation (a committed transaction survives a crash); or a PostgreSQL database shared by
 * several gateway nodes ({@link #openPostgresql}). One connection per process, used by one thread
 * at a time: SQLite allows one writer anyway, and other processes wait up to the busy timeout
 * before "locked" is reported. Work that must not interleave with another node's
 * ({@link #lock}) takes a transaction-scoped lock on PostgreSQL; SQLite's write lock already is one.
 */
public final class Database implements AutoCloseable {

    /** How long to wait for another process' write lock; tests shorten it. */
    static final String BUSY_TIMEOUT_PROPERTY = "deid.db.busy-timeout-ms";

    private final Path file;
    private final Dialect dialect;
    private final PostgresqlLocation server;
    /** This gateway node's name on a shared server; empty on SQLite. */
    private final String node;
    /** Kept to reconnect: it was given by the environment of this process and is in its memory anyway. */
    private final String password;
    private Connection connection;
    private boolean broken;
    private int transactionDepth;

    private Database(Path file, Dialect dialect, PostgresqlLocation server, String node, String password, Connection connection) {
        this.file = file;
        this.dialect = dialect;
        this.server = server;
        this.node = node;
        this.password = password;
        this.connection = connection;
    }

    /** Opens the database, creating it (readable by the owner only) and its schema when missing. */
    public static Database open(Path file) throws StoreException {
        if (!Files.exists(file)) {
            try {
                Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            } catch (IOException e) {
                throw new StoreException(file + ": cannot create the database (" + e.getClass().getSimpleName() + ")", e);
            }
        }
        Connection connection;
        try {
            connection = DriverManager.getConnection("jdbc:sqlite:" + file.toAbsolutePath());
        } catch (SQLException e) {
            throw translate(file, "open", e);
        }
        Database db = new Database(file, Dialect.SQLITE, null, "", null, connection);
        try {
            try (Statement s = connection.createStatement()) {
                s.execute("PRAGMA busy_timeout = " + Long.getLong(BUSY_TIMEOUT_PROPERTY, 5000));
                s.execute("PRAGMA foreign_keys = ON");
                s.execute("PRAGMA synchronous = FULL");
                // deleted rows (a removed curator's wrapped keys) are overwritten, not left in free pages
                s.execute("PRAGMA secure_delete = ON");
                try (ResultSet rs = s.executeQuery("PRAGMA journal_mode = WAL")) {
                    // reading the mode back also proves the file is a database
                    rs.next();
                }
            }
            Schema.migrate(db);
            return db;
        } catch (StoreException e) {
            db.close();
            throw e;
        } catch (SQLException e) {
            db.close();
            throw translate(file, "open", e);
        }
    }

    /**
     * Opens a PostgreSQL database (its schema created and migrated when missing), as several
     * gateway nodes share it. The password comes from the caller (an environment variable the
     * configuration names), never from a file the gateway writes.
     */
    public static Database openPostgresql(PostgresqlLocation location, String node, String password) throws StoreException {
        Database db = new Database(null, Dialect.POSTGRESQL, location, node, password, connect(location, node, password));
        try {
            Schema.migrate(db);
            return db;
        } catch (StoreException e) {
            db.close();
            throw e;
        }
    }

    private static Connection connect(PostgresqlLocation location, String node, String password) throws StoreException {
        java.util.Properties properties = new java.util.Properties();
        properties.setProperty("user", location.user());
        if (password != null) {
            properties.setProperty("password", password);
        }
        properties.setProperty("ApplicationName", "deid-gateway");
        properties.setProperty("connectTimeout", "10");
        // a server that stops answering must not hold the caller forever: the receiver then refuses objects
        properties.setProperty("socketTimeout", "60");
        properties.setProperty("tcpKeepAlive", "true");
        properties.setProperty("sslmode", location.sslMode());
        if (location.sslRootCert() != null) {
            if (!java.nio.file.Files.isReadable(location.sslRootCert())) {
                String reason = "the sslrootcert file " + location.sslRootCert() + " cannot be read";
                throw new StoreException(location + ": " + reason, reason, null);
            }
            properties.setProperty("sslrootcert", location.sslRootCert().toString());
        }
        try {
            Connection c = DriverManager.getConnection(location.jdbcUrl(), properties);
            try (Statement s = c.createStatement()) {
                String schema = location.schema();
                String own = location.nodeSchema(node);
                // nodes may start at once: creating an existing schema is not an error
                if (!"public".equals(schema)) {
                    s.execute("CREATE SCHEMA IF NOT EXISTS " + schema);
                }
                s.execute("CREATE SCHEMA IF NOT EXISTS " + own);
                // the node's own tables first, then the shared ones: every query names its tables plainly
                s.execute("SET search_path TO " + own + ", " + schema);
            } catch (SQLException e) {
                c.close();
                throw e;
            }
            return c;
        } catch (SQLException e) {
            throw translate(location.toString(), "open", e, null);
        }
    }

    public Dialect dialect() {
        return dialect;
    }

    /** This node's name on a shared server; empty on SQLite, where there is one gateway. */
    public String node() {
        return node;
    }

    /** The nodes that made their own tables on this database, in name order; on SQLite, the one unnamed node. */
    public java.util.List<String> nodes() throws StoreException {
        if (dialect != Dialect.POSTGRESQL) {
            return java.util.List.of(node);
        }
        return read(Schema::nodes);
    }

    /**
     * Reads another node's own tables (its queue) as if it were this one; shared tables stay shared.
     * Only for reading: that node's files are on its own disk.
     */
    public synchronized <T, E extends Exception> T readAsNode(String other, Work<T, E> work) throws StoreException, E {
        if (dialect != Dialect.POSTGRESQL || other.equals(node)) {
            return read(work);
        }
        if (transactionDepth > 0) {
            throw new IllegalStateException("another node's tables can only be read outside a transaction");
        }
        String path = server.nodeSchema(other) + ", " + server.schema();
        try (Statement s = connection.createStatement()) {
            s.execute("SET search_path TO " + path);
        } catch (SQLException e) {
            throw failure("read", e);
        }
        try {
            return read(work);
        } finally {
            try (Statement s = connection.createStatement()) {
                s.execute("SET search_path TO " + server.nodeSchema(node) + ", " + server.schema());
            } catch (SQLException e) {
                // the connection is gone; the next piece of work makes a new one with this node's path
                broken = true;
            }
        }
    }

    /**
     * Within a transaction, makes plain table names resolve to the shared tables only, or to this
     * node's own first (the session's default); for creating each table where it belongs.
     */
    void useSchemas(Connection c, boolean nodeOwn) throws SQLException {
        if (dialect != Dialect.POSTGRESQL) {
            return;
        }
        try (Statement s = c.createStatement()) {
            s.execute("SET LOCAL search_path TO " + (nodeOwn ? server.nodeSchema(node) + ", " : "") + server.schema());
        }
    }

    /** Where the database is, for messages: the SQLite file, or the server without any password. */
    public String location() {
        return file != null ? file.toString() : server.toString();
    }

    /** The SQLite file; empty for a database on a server. */
    public Optional<Path> file() {
        return Optional.ofNullable(file);
    }

    /** Work on the connection; {@code E} lets it throw its caller's own checked exception. */
    public interface Work<T, E extends Exception> {
        T run(Connection connection) throws SQLException, StoreException, E;
    }

    /**
     * Runs {@code work} in one write transaction (BEGIN IMMEDIATE, so a competing writer is seen at
     * the start, not half-way); everything or nothing is kept. Nested calls join the outer one.
     */
    public synchronized <T, E extends Exception> T inTransaction(Work<T, E> work) throws StoreException, E {
        return transaction(work, false);
    }

    private <T, E extends Exception> T transaction(Work<T, E> work, boolean redoable) throws StoreException, E {
        if (transactionDepth > 0) {
            transactionDepth++;
            try {
                return work.run(connection);
            } catch (SQLException e) {
                throw failure("write", e);
            } finally {
                transactionDepth--;
            }
        }
        reconnectIfBroken();
        try (Statement s = connection.createStatement()) {
            s.execute(dialect.begin());
            if (redoable && dialect == Dialect.POSTGRESQL) {
                s.execute("SET LOCAL synchronous_commit TO OFF");
            }
        } catch (SQLException e) {
            throw failure("write", e);
        }
        transactionDepth = 1;
        boolean committed = false;
        try {
            T result = work.run(connection);
            try (Statement s = connection.createStatement()) {
                s.execute("COMMIT");
            }
            committed = true;
            return result;
        } catch (SQLException e) {
            throw failure("write", e);
        } finally {
            transactionDepth = 0;
            if (!committed) {
                try (Statement s = connection.createStatement()) {
                    s.execute("ROLLBACK");
                } catch (SQLException ignored) {
                    // SQLite rolls back by itself when a statement failed hard, and a lost server
                    // connection keeps nothing uncommitted; nothing was kept either way
                }
            }
        }
    }

    /**
     * {@link #inTransaction} for work that can be redone: its commit does not wait for the disk
     * (synchronous NORMAL for this one transaction). It survives the process ending at any moment,
     * as every WAL commit does; a power cut may take the newest such commits, never half of one, and
     * the next FULL commit (any other transaction) makes it durable too. The pipeline's bookkeeping
     * is like that: intake rows are rebuilt from the spool files, a processing step gives the same
     * result again, a delivery is made again. An fsync per object for it would make every object
     * wait for several journal commits instead of one.
     */
    public synchronized <T, E extends Exception> T inRedoableTransaction(Work<T, E> work) throws StoreException, E {
        if (transactionDepth > 0 || dialect == Dialect.POSTGRESQL) {
            // PostgreSQL: synchronous_commit off for this transaction alone (set when it begins)
            return transaction(work, true);
        }
        setSynchronous("NORMAL");
        try {
            return transaction(work, true);
        } finally {
            setSynchronous("FULL");
        }
    }

    private void setSynchronous(String level) throws StoreException {
        try (Statement s = connection.createStatement()) {
            s.execute("PRAGMA synchronous = " + level);
        } catch (SQLException e) {
            throw failure("write", e);
        }
    }

    /**
     * Within a transaction, waits until no other node holds {@code name}, and holds it until the
     * transaction ends: for work that reads and then writes what another node may write at the
     * same moment (the audit chain's last entry, a patient's identity record). On SQLite the
     * transaction's write lock already excludes every other writer.
     */
    public void lock(Connection c, String name) throws SQLException {
        if (dialect == Dialect.POSTGRESQL) {
            try (PreparedStatement ps = c.prepareStatement("SELECT pg_advisory_xact_lock(hashtext(?))")) {
                ps.setString(1, name);
                ps.execute();
            }
        }
    }

    /** After a lost server connection, the next piece of work opens a new one (a restarted server is used again by itself). */
    private void reconnectIfBroken() throws StoreException {
        if (!broken || server == null) {
            return;
        }
        try {
            connection.close();
        } catch (SQLException ignored) {
            // it is gone already
        }
        connection = connect(server, node, password);
        broken = false;
    }

    private StoreException failure(String doing, SQLException e) {
        if (dialect == Dialect.POSTGRESQL && PostgresqlErrors.connectionLost(e)) {
            broken = true;
        }
        return translate(location(), doing, e, file);
    }

    /** Whether the calling code runs inside {@link #inTransaction}: its writes are not committed yet. */
    public synchronized boolean inTransactionNow() {
        return transactionDepth > 0;
    }

    /** Reads without a write lock. */
    public synchronized <T, E extends Exception> T read(Work<T, E> work) throws StoreException, E {
        if (transactionDepth == 0) {
            reconnectIfBroken();
        }
        try {
            return work.run(connection);
        } catch (SQLException e) {
            throw failure("read", e);
        }
    }

    public Optional<String> meta(String key) throws StoreException {
        return read(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT value FROM meta WHERE key = ?")) {
                ps.setString(1, key);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
                }
            }
        });
    }

    public void setMeta(String key, String value) throws StoreException {
        inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value")) {
                ps.setString(1, key);
                ps.setString(2, value);
                ps.executeUpdate();
            }
            return null;
        });
    }

    /**
     * Copies the write-ahead log into the database and truncates it, so that pages overwritten by a
     * secure delete do not survive in the log either.
     */
    public synchronized void checkpointAndTruncateLog() throws StoreException {
        if (dialect != Dialect.SQLITE) {
            // PostgreSQL's own VACUUM and WAL recycling do this; the server's operators run them (docs/security.md)
            return;
        }
        try (Statement s = connection.createStatement()) {
            s.execute("PRAGMA wal_checkpoint(TRUNCATE)");
        } catch (SQLException e) {
            throw failure("checkpoint", e);
        }
    }

    @Override
    public synchronized void close() {
        try {
            connection.close();
        } catch (SQLException ignored) {
            // closing a connection that failed to open; nothing to keep
        }
    }

    /** SQLite's result codes, said in words a hospital IT person can act on. */
    public static StoreException translate(Path file, String doing, SQLException e) {
        return translate(file.toString(), doing, e, file);
    }

    private static StoreException translate(String location, String doing, SQLException e, Path file) {
        if (file == null) {
            String reason = PostgresqlErrors.describe(e, doing);
            return new StoreException(location + ": " + reason, reason, e);
        }
        SQLiteErrorCode code = e instanceof SQLiteException se ? se.getResultCode() : null;
        String reason = code == null ? "cannot " + doing + " (" + e.getClass().getSimpleName() + ")" : describe(code, doing);
        String name = code == null ? "" : code.name();
        Path folder = file.toAbsolutePath().getParent();
        if ((name.startsWith("SQLITE_CANTOPEN") || name.startsWith("SQLITE_READONLY")) && folder != null
                && !Files.isWritable(folder)) {
            // WAL mode needs to write beside the database even to read it
            reason = "the database's folder is read-only (read-only file system or no permission); nothing was written";
        } else if (name.startsWith("SQLITE_IOERR") || name.startsWith("SQLITE_FULL")) {
            long free = usableSpace(folder);
            if (free >= 0 && free < LOW_SPACE_BYTES) {
                reason = "disk full (" + free + " bytes free where the database is); nothing was written";
            }
        }
        return new StoreException(location + ": " + reason, reason, e);
    }

    private static final long LOW_SPACE_BYTES = 1 << 20;

    private static long usableSpace(Path folder) {
        try {
            return folder == null ? -1 : Files.getFileStore(folder).getUsableSpace();
        } catch (IOException e) {
            return -1;
        }
    }

    private static String describe(SQLiteErrorCode code, String doing) {
        String name = code.name();
        if (name.startsWith("SQLITE_BUSY") || name.startsWith("SQLITE_LOCKED")) {
            return "database is locked by another process (another deid command or the daemon); try again when it has finished";
        }
        if (name.startsWith("SQLITE_READONLY")) {
            return "database is read-only (file or file system permissions); nothing was written";
        }
        if (name.startsWith("SQLITE_FULL")) {
            return "disk full; nothing was written";
        }
        if (name.startsWith("SQLITE_IOERR")) {
            return "input/output error while trying to " + doing + " (" + name + "); nothing was written";
        }
        if (name.startsWith("SQLITE_CANTOPEN")) {
            return "cannot open the database (missing folder or no permission)";
        }
        if (name.startsWith("SQLITE_NOTADB") || name.startsWith("SQLITE_CORRUPT")) {
            return "not a deid-gateway database, or damaged (" + name + ")";
        }
        if (name.startsWith("SQLITE_CONSTRAINT")) {
            return "refused by a database constraint (" + name + ")";
        }
        return "cannot " + doing + " (" + name + ")";
    }
}
