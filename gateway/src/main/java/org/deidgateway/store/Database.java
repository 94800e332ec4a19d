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
 * One SQLite file in the home directory, in WAL mode with full synchronisation: a committed
 * transaction survives a crash. One connection per process; SQLite allows one writer at a time
 * anyway, and other processes wait up to the busy timeout before "locked" is reported.
 */
public final class Database implements AutoCloseable {

    /** How long to wait for another process' write lock; tests shorten it. */
    static final String BUSY_TIMEOUT_PROPERTY = "deid.db.busy-timeout-ms";

    private final Path file;
    private final Connection connection;
    private int transactionDepth;

    private Database(Path file, Connection connection) {
        this.file = file;
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
        Database db = new Database(file, connection);
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

    public Path file() {
        return file;
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
        if (transactionDepth > 0) {
            transactionDepth++;
            try {
                return work.run(connection);
            } catch (SQLException e) {
                throw translate(file, "write", e);
            } finally {
                transactionDepth--;
            }
        }
        try (Statement s = connection.createStatement()) {
            s.execute("BEGIN IMMEDIATE");
        } catch (SQLException e) {
            throw translate(file, "write", e);
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
            throw translate(file, "write", e);
        } finally {
            transactionDepth = 0;
            if (!committed) {
                try (Statement s = connection.createStatement()) {
                    s.execute("ROLLBACK");
                } catch (SQLException ignored) {
                    // SQLite rolls back by itself when a statement failed hard; nothing was kept either way
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
        if (transactionDepth > 0) {
            return inTransaction(work);
        }
        setSynchronous("NORMAL");
        try {
            return inTransaction(work);
        } finally {
            setSynchronous("FULL");
        }
    }

    private void setSynchronous(String level) throws StoreException {
        try (Statement s = connection.createStatement()) {
            s.execute("PRAGMA synchronous = " + level);
        } catch (SQLException e) {
            throw translate(file, "write", e);
        }
    }

    /** Whether the calling code runs inside {@link #inTransaction}: its writes are not committed yet. */
    public synchronized boolean inTransactionNow() {
        return transactionDepth > 0;
    }

    /** Reads without a write lock. */
    public synchronized <T, E extends Exception> T read(Work<T, E> work) throws StoreException, E {
        try {
            return work.run(connection);
        } catch (SQLException e) {
            throw translate(file, "read", e);
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
        try (Statement s = connection.createStatement()) {
            s.execute("PRAGMA wal_checkpoint(TRUNCATE)");
        } catch (SQLException e) {
            throw translate(file, "checkpoint", e);
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
        return new StoreException(file + ": " + reason, reason, e);
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
