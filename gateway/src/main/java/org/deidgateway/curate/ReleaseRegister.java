package org.deidgateway.curate;

import org.deidgateway.pseudonym.KeyedHash;
import org.deidgateway.pseudonym.ProjectKeys;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.HexFormat;

/**
 * Remembers which pseudonyms were released, as a keyed one-way token each: enough to refuse
 * sending one patient twice under two new identities, useless to anyone without the project key
 * (the token of a guessed pseudonym cannot be computed without it).
 */
public final class ReleaseRegister {

    private static final String FIELD = "released-pseudonym";

    private final KeyedHash key;

    public ReleaseRegister(ProjectKeys keys) {
        this.key = keys.forPurpose(ProjectKeys.Purpose.RELEASE_REGISTER);
    }

    public String token(String pseudonym) {
        return HexFormat.of().formatHex(key.mac(FIELD, pseudonym));
    }

    /** How many times the pseudonym of this token was released (0: never). */
    public static int releases(Connection c, String token) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT releases FROM release_register WHERE token = ?")) {
            ps.setString(1, token);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getInt(1) : 0;
            }
        }
    }

    /** Records one release inside the caller's transaction. */
    public static void record(Connection c, String token) throws SQLException {
        String now = Instant.now().toString();
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO release_register (token, releases, first_released_at,"
                + " last_released_at) VALUES (?, 1, ?, ?) ON CONFLICT(token) DO UPDATE SET releases = release_register.releases + 1,"
                + " last_released_at = excluded.last_released_at")) {
            ps.setString(1, token);
            ps.setString(2, now);
            ps.setString(3, now);
            ps.executeUpdate();
        }
    }
}
