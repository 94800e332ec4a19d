package org.deidgateway.store;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Where a PostgreSQL database is, as {@code database.url} in deid.yaml says it:
 * {@code postgresql://USER@HOST[:PORT]/DATABASE[?schema=NAME][&sslmode=MODE][&sslrootcert=/PATH]}.
 * No password: the configuration names the environment variable that holds it. The schema lets
 * several installations (or a test per home) share one database; it is created when missing.
 *
 * <p>TLS: the correspondence table is sealed, but the audit trail, the release register and the
 * password handshake cross the network too, so a server that is not on this machine is reached
 * with {@code verify-full} unless the URL says otherwise: the server's certificate must chain to
 * {@code sslrootcert} (a PEM file; the driver's default is ~/.postgresql/root.crt) and name the
 * host. On loopback the default is {@code disable}, as the traffic never leaves the machine.
 */
public record PostgresqlLocation(String host, int port, String database, String schema, String user,
                                 String sslMode, Path sslRootCert) {

    private static final Pattern NAME = Pattern.compile("[a-z_][a-z0-9_]{0,62}");

    /** The sslmode values accepted; prefer and allow are not, because they fall back to plain text unseen. */
    public static final List<String> SSL_MODES = List.of("disable", "require", "verify-ca", "verify-full");

    public PostgresqlLocation {
        if (!NAME.matcher(schema).matches()) {
            throw new IllegalArgumentException("schema '" + schema + "' is not a plain lower-case SQL name (letters, digits, _)");
        }
        if (!SSL_MODES.contains(sslMode)) {
            throw new IllegalArgumentException("sslmode '" + sslMode + "' is not one of " + String.join(", ", SSL_MODES)
                    + " (prefer and allow are refused: they fall back to plain text without saying so)");
        }
        if (sslRootCert != null && !sslRootCert.isAbsolute()) {
            throw new IllegalArgumentException("sslrootcert must be an absolute path, not '" + sslRootCert + "'");
        }
        if (sslRootCert != null && sslMode.equals("disable")) {
            throw new IllegalArgumentException("sslrootcert is given but sslmode is disable: say sslmode=verify-full (or verify-ca, require)");
        }
    }

    /** Without TLS settings: the default mode for the host. */
    public PostgresqlLocation(String host, int port, String database, String schema, String user) {
        this(host, port, database, schema, user, defaultSslMode(host), null);
    }

    /** The same server and TLS settings, another schema. */
    public PostgresqlLocation withSchema(String other) {
        return new PostgresqlLocation(host, port, database, other, user, sslMode, sslRootCert);
    }

    /** disable on loopback, verify-full anywhere else. */
    static String defaultSslMode(String host) {
        return loopback(host) ? "disable" : "verify-full";
    }

    private static boolean loopback(String host) {
        String h = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
        return h.equals("localhost") || h.startsWith("127.") || h.equals("::1") || h.equals("0:0:0:0:0:0:0:1");
    }

    /** Reads a {@code postgresql://} URL; the message of the exception says what is wrong with it. */
    public static PostgresqlLocation parse(String url) {
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("'" + url + "' is not a URL (" + e.getReason() + ")");
        }
        if (!"postgresql".equals(uri.getScheme())) {
            throw new IllegalArgumentException("a database URL starts with postgresql:// (or is 'sqlite'), not '" + url + "'");
        }
        String userInfo = uri.getRawUserInfo();
        if (userInfo == null || userInfo.isEmpty()) {
            throw new IllegalArgumentException("the database URL names no user: postgresql://USER@HOST:PORT/DATABASE");
        }
        if (userInfo.contains(":")) {
            throw new IllegalArgumentException("the database URL must not hold a password; put it in the environment variable"
                    + " database.password-env names");
        }
        if (uri.getHost() == null) {
            throw new IllegalArgumentException("the database URL names no host: postgresql://USER@HOST:PORT/DATABASE");
        }
        String path = uri.getPath() == null ? "" : uri.getPath();
        if (path.length() < 2 || path.indexOf('/', 1) >= 0) {
            throw new IllegalArgumentException("the database URL names no database: postgresql://USER@HOST:PORT/DATABASE");
        }
        String schema = "public";
        String sslMode = defaultSslMode(uri.getHost());
        Path rootCert = null;
        if (uri.getQuery() != null) {
            for (String parameter : uri.getQuery().split("&")) {
                if (parameter.startsWith("schema=")) {
                    schema = parameter.substring("schema=".length());
                } else if (parameter.startsWith("sslmode=")) {
                    sslMode = parameter.substring("sslmode=".length());
                } else if (parameter.startsWith("sslrootcert=")) {
                    rootCert = Path.of(parameter.substring("sslrootcert=".length()));
                } else {
                    throw new IllegalArgumentException("the database URL knows the parameters schema=NAME, sslmode="
                            + String.join("|", SSL_MODES) + " and sslrootcert=/PATH, not '" + parameter + "'");
                }
            }
        }
        return new PostgresqlLocation(uri.getHost(), uri.getPort() < 0 ? 5432 : uri.getPort(), path.substring(1), schema, userInfo,
                sslMode, rootCert);
    }

    private static final Pattern NODE = Pattern.compile("[a-z0-9][a-z0-9_]{0,23}");

    /** Whether a node's name can name its schema: lower-case letters, digits and _, at most 24. */
    public static boolean validNode(String node) {
        return NODE.matcher(node).matches();
    }

    /**
     * The schema of one node's own tables (its intake, outbox and held copies, whose files are on
     * that node's disk), beside the shared schema of the tables every node uses.
     */
    String nodeSchema(String node) {
        if (!validNode(node)) {
            throw new IllegalArgumentException("node name '" + node + "' must be lower-case letters, digits and _ (at most 24)");
        }
        return ("public".equals(schema) ? "deid" : schema) + "_node_" + node;
    }

    String jdbcUrl() {
        return "jdbc:postgresql://" + hostForUrl() + ":" + port + "/" + database;
    }

    private String hostForUrl() {
        return host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
    }

    /** The URL again, as the configuration writes it: only the parameters that differ from the defaults. */
    @Override
    public String toString() {
        List<String> parameters = new java.util.ArrayList<>();
        if (!"public".equals(schema)) {
            parameters.add("schema=" + schema);
        }
        if (!sslMode.equals(defaultSslMode(host))) {
            parameters.add("sslmode=" + sslMode);
        }
        if (sslRootCert != null) {
            parameters.add("sslrootcert=" + sslRootCert);
        }
        return "postgresql://" + user + "@" + hostForUrl() + ":" + port + "/" + database
                + (parameters.isEmpty() ? "" : "?" + String.join("&", parameters));
    }
}
