package org.deidgateway.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import org.deidgateway.store.PostgresqlLocation;

import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Where the gateway keeps its tables: {@code sqlite} (the default: {@code deid.db} in the home,
 * for one gateway) or {@code postgresql://USER@HOST:PORT/DATABASE[?schema=NAME]}, a database
 * several gateway nodes share. The password is never in deid.yaml: {@code password-env} names
 * the environment variable that holds it (default {@value #DEFAULT_PASSWORD_ENV}).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record DatabaseConfig(@JsonProperty("url") String url, @JsonProperty("password-env") String passwordEnv,
                             @JsonProperty("node") String node) {

    public static final String SQLITE = "sqlite";
    public static final String DEFAULT_PASSWORD_ENV = "DEID_DATABASE_PASSWORD";
    public static final DatabaseConfig DEFAULT = new DatabaseConfig(null, null, null);
    private static final Pattern ENV_NAME = Pattern.compile("[A-Z_][A-Z0-9_]{0,63}");

    @JsonCreator
    public DatabaseConfig {
    }

    public DatabaseConfig(String url, String passwordEnv) {
        this(url, passwordEnv, null);
    }

    /**
     * This gateway's name among the nodes sharing a server (its own tables are in a schema named
     * after it): {@code node} if set, else the host's name in lower case with anything but letters,
     * digits and _ made _, at most 24 characters.
     */
    public String nodeOrDefault() {
        if (node != null) {
            return node;
        }
        String host;
        try {
            host = java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.net.UnknownHostException e) {
            host = System.getenv().getOrDefault("HOSTNAME", "node");
        }
        String name = host.toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9_]", "_");
        if (name.isEmpty() || !Character.isLetterOrDigit(name.charAt(0))) {
            name = "n" + name;
        }
        return name.length() > 24 ? name.substring(0, 24) : name;
    }

    public String urlOrDefault() {
        return url == null || url.isBlank() ? SQLITE : url.trim();
    }

    public String passwordEnvOrDefault() {
        return passwordEnv == null ? DEFAULT_PASSWORD_ENV : passwordEnv;
    }

    /** The server, or empty for the embedded SQLite file. */
    public Optional<PostgresqlLocation> server() {
        String u = urlOrDefault();
        return SQLITE.equals(u) ? Optional.empty() : Optional.of(PostgresqlLocation.parse(u));
    }

    /** The first problem, naming its key, or null. */
    public String problem() {
        try {
            server();
        } catch (IllegalArgumentException e) {
            return "database.url: " + e.getMessage();
        }
        if (node != null && !PostgresqlLocation.validNode(node)) {
            return "database.node: '" + node + "' must be lower-case letters, digits and _ (at most 24), starting with a letter or digit";
        }
        if (passwordEnv != null && !ENV_NAME.matcher(passwordEnv).matches()) {
            return "database.password-env: '" + passwordEnv + "' is not an environment variable's name (A-Z, 0-9, _)";
        }
        return null;
    }
}
