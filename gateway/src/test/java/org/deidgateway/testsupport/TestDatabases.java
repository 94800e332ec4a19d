package org.deidgateway.testsupport;

import org.deidgateway.store.Database;
import org.deidgateway.store.PostgresqlLocation;
import org.deidgateway.store.StoreException;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HexFormat;

/**
 * The database a test works on: the SQLite file it names, or, when the suite runs on PostgreSQL
 * ({@value #PROPERTY} set to a {@code postgresql://} URL, as {@code -Pdb-postgresql} and
 * {@code .ci/run} do), a schema of its own on that server, named after the file, so that opening
 * "the same file" again (a restart in a test) finds the same tables.
 */
public final class TestDatabases {

    public static final String PROPERTY = "deid.test.database-url";
    /** The environment variable the server's password is in (scripts/postgres-cluster.sh writes it to a file). */
    public static final String PASSWORD_ENV = "DEID_DATABASE_PASSWORD";

    private TestDatabases() {
    }

    /**
     * Whether a child process must not inherit this variable: the tests give each process only the
     * DEID_ variables they mean it to have, but the database's password stays (it is the suite's).
     */
    public static boolean clearedForChild(String name) {
        return name.startsWith("DEID_") && !name.equals(PASSWORD_ENV);
    }

    /**
     * The arguments of a {@code deid} command, with {@code --database} (and {@code --node}) added to
     * an {@code init} when the suite runs on PostgreSQL: each home gets a schema of its own there.
     */
    public static java.util.List<String> withDatabase(java.util.List<String> args) {
        if (!onPostgresql() || args.isEmpty() || !args.get(0).equals("init") || args.contains("--database")
                || args.contains("--join")) {
            return args;
        }
        int home = args.indexOf("--home");
        if (home < 0 || home + 1 >= args.size()) {
            return args;
        }
        java.util.List<String> with = new java.util.ArrayList<>(args);
        with.add("--database");
        with.add(urlFor(Path.of(args.get(home + 1)).resolve("deid.db")).orElseThrow());
        if (!args.contains("--node")) {
            // the node name open(file) uses, so that a test reads the queue of the home it made
            with.add("--node");
            with.add(DEFAULT_NODE);
        }
        return with;
    }

    public static boolean onPostgresql() {
        String url = System.getProperty(PROPERTY, "");
        return url.startsWith("postgresql://");
    }

    /** The server's URL with this test's own schema; empty on SQLite. */
    public static java.util.Optional<String> urlFor(Path file) {
        if (!onPostgresql()) {
            return java.util.Optional.empty();
        }
        PostgresqlLocation server = PostgresqlLocation.parse(System.getProperty(PROPERTY));
        byte[] digest;
        try {
            digest = java.security.MessageDigest.getInstance("SHA-256")
                    .digest(file.toAbsolutePath().normalize().toString().getBytes(StandardCharsets.UTF_8));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        String schema = "t_" + HexFormat.of().formatHex(digest, 0, 12);
        return java.util.Optional.of(server.withSchema(schema).toString());
    }

    /** The server's data folder, where a test may look for what reached the disk ({@value #DATA_DIR_PROPERTY}). */
    public static java.util.Optional<Path> serverFiles() {
        String dir = System.getProperty(DATA_DIR_PROPERTY, "");
        return dir.isEmpty() ? java.util.Optional.empty() : java.util.Optional.of(Path.of(dir));
    }

    public static final String DATA_DIR_PROPERTY = "deid.test.database-data-dir";

    /** Makes the server write every committed change into its table files (CHECKPOINT needs a superuser, as the test cluster's is). */
    public static void checkpoint() throws StoreException {
        try (Database db = open(Path.of(System.getProperty("java.io.tmpdir"), "checkpoint"))) {
            db.read(c -> {
                try (java.sql.Statement s = c.createStatement()) {
                    s.execute("CHECKPOINT");
                }
                return null;
            });
        }
    }

    public static Database open(Path file) throws StoreException {
        return open(file, DEFAULT_NODE);
    }

    /** The node name of a test's own database and of every home a test makes, unless it names one. */
    public static final String DEFAULT_NODE = "test";

    /** As one gateway node among several on the server (the node's name is ignored on SQLite). */
    public static Database open(Path file, String node) throws StoreException {
        java.util.Optional<String> url = urlFor(file);
        if (url.isEmpty()) {
            return Database.open(file);
        }
        return Database.openPostgresql(PostgresqlLocation.parse(url.get()), node, System.getenv(PASSWORD_ENV));
    }
}
