package org.deidgateway.vault;

import org.deidgateway.store.Database;
import org.deidgateway.store.StoreException;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** The curators of an installation, by public key. The private keys are never here. */
public final class CuratorRegistry {

    private static final String COLUMNS = "id, name, fingerprint, public_key, added_at, removed_at";

    private final Database db;

    public CuratorRegistry(Database db) {
        this.db = db;
    }

    public List<Curator> all() throws StoreException {
        return db.read(c -> query(c, "SELECT " + COLUMNS + " FROM curator ORDER BY id"));
    }

    public List<Curator> active() throws StoreException {
        return db.read(CuratorRegistry::active);
    }

    static List<Curator> active(Connection c) throws SQLException {
        return query(c, "SELECT " + COLUMNS + " FROM curator WHERE removed_at IS NULL ORDER BY id");
    }

    public Optional<Curator> byFingerprint(String fingerprint) throws StoreException {
        return db.read(c -> query(c, "SELECT " + COLUMNS + " FROM curator WHERE fingerprint = ?", fingerprint)
                .stream().findFirst());
    }

    public Optional<Curator> activeByName(String name) throws StoreException {
        return db.read(c -> query(c, "SELECT " + COLUMNS + " FROM curator WHERE name = ? AND removed_at IS NULL", name)
                .stream().findFirst());
    }

    /**
     * The active curator a keystore belongs to: made for this installation, its key registered and
     * not removed. {@code role} names it in the error ("curator", "approver").
     */
    public Curator requireActive(CuratorKeystore keystore, String installationId, String role)
            throws VaultException, StoreException {
        if (!keystore.installationId().equals(installationId)) {
            throw new VaultException(keystore.file() + ": this " + role + " keystore belongs to another installation ("
                    + keystore.installationId() + "), not to this one (" + installationId + ")");
        }
        Curator curator = byFingerprint(keystore.fingerprint()).orElseThrow(() -> new VaultException(
                keystore.file() + ": the " + role + " key of '" + keystore.curatorName() + "' is not registered here"));
        if (!curator.active()) {
            throw new VaultException(keystore.file() + ": " + role + " '" + curator.name() + "' was removed on "
                    + curator.removedAt() + " and can no longer open records");
        }
        return curator;
    }

    /** Registers a curator's public key (in the caller's transaction, if any). */
    public Curator add(String name, byte[] publicKey) throws StoreException, VaultException {
        if (activeByName(name).isPresent()) {
            throw new VaultException("a curator named '" + name + "' is already registered");
        }
        String fingerprint = CuratorKeystore.fingerprint(publicKey);
        String now = now();
        long id = db.inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "INSERT INTO curator(name, fingerprint, public_key, added_at) VALUES (?, ?, ?, ?) RETURNING id")) {
                ps.setString(1, name);
                ps.setString(2, fingerprint);
                ps.setBytes(3, publicKey);
                ps.setString(4, now);
                return IdentityVault.insertedId(ps);
            }
        });
        return new Curator(id, name, fingerprint, publicKey, now, null);
    }

    /**
     * Removes a curator: their wrapped keys are deleted, so their keystore opens nothing from now on.
     * Refused for the last curator while records exist: those records could never be opened again.
     */
    public Curator remove(String name) throws StoreException, VaultException {
        Curator curator = activeByName(name).orElseThrow(() -> new VaultException("no active curator named '" + name + "'"));
        String now = now();
        db.inTransaction(c -> {
            long others = active(c).stream().filter(other -> other.id() != curator.id()).count();
            long parts = count(c, "SELECT count(*) FROM identity_part");
            if (others == 0 && parts > 0) {
                throw new VaultException("'" + name + "' is the only curator: removing them would leave " + parts
                        + " sealed records that nobody can ever open; add another curator first (deid curator add)");
            }
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM part_key WHERE curator_id = ?")) {
                ps.setLong(1, curator.id());
                ps.executeUpdate();
            }
            try (PreparedStatement ps = c.prepareStatement("UPDATE curator SET removed_at = ? WHERE id = ?")) {
                ps.setString(1, now);
                ps.setLong(2, curator.id());
                ps.executeUpdate();
            }
            return null;
        });
        if (!db.inTransactionNow()) {
            db.checkpointAndTruncateLog();
        }
        return new Curator(curator.id(), curator.name(), curator.fingerprint(), curator.publicKey(), curator.addedAt(), now);
    }

    /** How many sealed parts this curator can open, and how many exist. */
    public long[] readableParts(Curator curator) throws StoreException {
        return db.read(c -> {
            long readable;
            try (PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM part_key WHERE curator_id = ?")) {
                ps.setLong(1, curator.id());
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    readable = rs.getLong(1);
                }
            }
            return new long[] {readable, count(c, "SELECT count(*) FROM identity_part")};
        });
    }

    static long count(Connection c, String sql) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql); ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }

    static String now() {
        return Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
    }

    private static List<Curator> query(Connection c, String sql, String... params) throws SQLException {
        List<Curator> curators = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                ps.setString(i + 1, params[i]);
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    curators.add(new Curator(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getBytes(4),
                            rs.getString(5), rs.getString(6)));
                }
            }
        }
        return curators;
    }
}
