package org.deidgateway.store;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.regex.Pattern;

/**
 * Where a PostgreSQL database is, as {@code database.url} in deid.yaml says it:
 * {@code postgresql://USER@HOST[:PORT]/DATABASE[?schema=NAME]}. No password: the configuration
 * names the environment variable that holds it. The schema lets several installations (or a
 * test per home) share one database; it is created when missing.
 */
public record PostgresqlLocation(String host, int port, String database, String schema, String user) {

    private static final Pattern NAME = Pattern.compile("[a-z_][a-z0-9_]{0,62}");

    public PostgresqlLocation {
        if (!NAME.matcher(schema).matches()) {
            throw new IllegalArgumentException("schema '" + schema + "' is not a plain lower-case SQL name (letters, digits, _)");
        }
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
        if (uri.getQuery() != null) {
            for (String parameter : uri.getQuery().split("&")) {
                if (parameter.startsWith("schema=")) {
                    schema = parameter.substring("schema=".length());
                } else {
                    throw new IllegalArgumentException("the database URL knows only the parameter schema=NAME, not '" + parameter + "'");
                }
            }
        }
        return new PostgresqlLocation(uri.getHost(), uri.getPort() < 0 ? 5432 : uri.getPort(), path.substring(1), schema, userInfo);
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

    /** The URL again, as the configuration writes it. */
    @Override
    public String toString() {
        return "postgresql://" + user + "@" + hostForUrl() + ":" + port + "/" + database + ("public".equals(schema) ? "" : "?schema=" + schema);
    }
}
