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
public record DatabaseConfig(@JsonProperty("url") String url, @JsonProperty("password-env") String passwordEnv) {

    public static final String SQLITE = "sqlite";
    public static final String DEFAULT_PASSWORD_ENV = "DEID_DATABASE_PASSWORD";
    public static final DatabaseConfig DEFAULT = new DatabaseConfig(null, null);
    private static final Pattern ENV_NAME = Pattern.compile("[A-Z_][A-Z0-9_]{0,63}");

    @JsonCreator
    public DatabaseConfig {
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
        if (passwordEnv != null && !ENV_NAME.matcher(passwordEnv).matches()) {
            return "database.password-env: '" + passwordEnv + "' is not an environment variable's name (A-Z, 0-9, _)";
        }
        return null;
    }
}
