package org.deidgateway.vault;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.deidgateway.deid.DeidentifiedInstance;
import org.deidgateway.pseudonym.PatientIdentity;
import org.deidgateway.pseudonym.PseudonymDirectory;
import org.deidgateway.pseudonym.PseudonymException;
import org.deidgateway.store.Database;
import org.deidgateway.store.StoreException;

import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * The correspondence table, from the gateway's side: it adds sealed parts and looks patients up
 * by link key, and cannot read what it sealed. One identity row per patient and project; one
 * sealed part per study seen, so a repeated study of a known patient adds to the same entry.
 */
public final class IdentityVault implements PseudonymDirectory {

    static final String INSTALLATION_ID_KEY = "installation.id";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_DRAWS = 20;

    private final Database db;
    private final String installationId;
    private final SealedBox box = new SealedBox(new SecureRandom());
    /** Studies already linked by this process: most instances of a study need no database round trip. */
    private final Set<String> linkedStudies = ConcurrentHashMap.newKeySet();

    private IdentityVault(Database db, String installationId) {
        this.db = db;
        this.installationId = installationId;
    }

    /** The vault of an installation; gives it its random installation ID on first use. */
    public static IdentityVault open(Database db) throws StoreException {
        String id = db.inTransaction(c -> {
            // nodes starting at once on a new shared database agree on one ID
            db.lock(c, "deid-gateway installation");
            try (PreparedStatement ps = c.prepareStatement("SELECT value FROM meta WHERE key = ?")) {
                ps.setString(1, INSTALLATION_ID_KEY);
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        return rs.getString(1);
                    }
                }
            }
            String fresh = UUID.randomUUID().toString();
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO meta(key, value) VALUES (?, ?)")) {
                ps.setString(1, INSTALLATION_ID_KEY);
                ps.setString(2, fresh);
                ps.executeUpdate();
            }
            return fresh;
        });
        return new IdentityVault(db, id);
    }

    public String installationId() {
        return installationId;
    }

    Database database() {
        return db;
    }

    @Override
    public String findOrAssign(String project, String linkKey, Supplier<String> candidates) throws PseudonymException {
        try {
            return db.inTransaction(c -> {
                lockPatient(c, project, linkKey);
                IdentityRef known = identityByLinkKey(c, project, linkKey);
                if (known != null) {
                    return known.pseudonym();
                }
                for (int i = 0; i < MAX_DRAWS; i++) {
                    String candidate = candidates.get();
                    if (!findByPseudonym(c, candidate, project).isEmpty()) {
                        continue;
                    }
                    insertIdentity(c, project, candidate, linkKey);
                    return candidate;
                }
                throw new StoreException("no unused pseudonym after " + MAX_DRAWS + " random draws");
            });
        } catch (StoreException e) {
            throw new PseudonymException(e.getMessage(), e);
        }
    }

    /** Whether a project has any registered curator to seal to (else its links could never be opened). */
    public boolean hasCurators() throws StoreException {
        return !db.read(CuratorRegistry::active).isEmpty();
    }

    /**
     * Records the link of one de-identified instance. The first instance of a study seals one part
     * (identity and the study's identifiers) to every active curator; later instances of the study
     * find it linked and add nothing. Returns whether a part was added.
     */
    public boolean record(String project, DeidentifiedInstance instance) throws StoreException, VaultException {
        String newStudy = instance.studyInstanceUid().isEmpty() ? "sop:" + instance.sopInstanceUid() : instance.studyInstanceUid();
        String cacheKey = project + '\n' + newStudy;
        if (linkedStudies.contains(cacheKey)) {
            return false;
        }
        boolean outer = db.inTransactionNow();
        boolean added = db.inTransaction(c -> {
            lockPatient(c, project, instance.patient().linkKey());
            try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM study_link WHERE project = ? AND new_study_uid = ?")) {
                ps.setString(1, project);
                ps.setString(2, newStudy);
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        return false;
                    }
                }
            }
            List<Curator> curators = CuratorRegistry.active(c);
            if (curators.isEmpty()) {
                throw new VaultException("no curator is registered: the link of pseudonym " + instance.pseudonym()
                        + " could never be opened; add one with: deid curator add --home DIR --name NAME --out FILE");
            }
            PatientIdentity patient = instance.patient();
            IdentityRef identity = identityByLinkKey(c, project, patient.linkKey());
            if (identity == null) {
                identity = insertIdentity(c, project, instance.pseudonym(), patient.linkKey());
            } else if (!identity.pseudonym().equals(instance.pseudonym())) {
                throw new VaultException("this patient already has pseudonym " + identity.pseudonym() + " in project "
                        + project + ", not " + instance.pseudonym() + ": the project's pseudonym scheme or prefix "
                        + "changed; refusing to link one patient under two pseudonyms");
            }
            IdentityRecord record = new IdentityRecord(IdentityRecord.CURRENT_VERSION, patient.patientId(),
                    patient.issuerOfPatientId(), patient.name(), patient.birthDate(), patient.sex(),
                    instance.originalStudyInstanceUid(), instance.studyInstanceUid(), instance.originalAccessionNumber(),
                    instance.studyDate(), CuratorRegistry.now());
            sealPart(c, identity, record, curators);
            try (PreparedStatement ps = c.prepareStatement(
                    "INSERT INTO study_link(project, new_study_uid, identity_id) VALUES (?, ?, ?)")) {
                ps.setString(1, project);
                ps.setString(2, newStudy);
                ps.setLong(3, identity.id());
                ps.executeUpdate();
            }
            return true;
        });
        if (!outer) {
            // inside a caller's transaction the link is not committed yet, so it is not cached
            linkedStudies.add(cacheKey);
        }
        return added;
    }

    private void sealPart(Connection c, IdentityRef identity, IdentityRecord record, List<Curator> curators)
            throws SQLException {
        byte[] plaintext;
        try {
            plaintext = JSON.writeValueAsBytes(record);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("an identity record is plain strings", e);
        }
        byte[] dataKey = box.newDataKey();
        byte[] nonce = box.newNonce();
        byte[] aad = SealedBox.associatedData(installationId, identity.project(), identity.pseudonym());
        try {
            byte[] ciphertext = SealedBox.encrypt(dataKey, nonce, aad, plaintext);
            long partId;
            try (PreparedStatement ps = c.prepareStatement(
                    "INSERT INTO identity_part(identity_id, nonce, ciphertext, created_at) VALUES (?, ?, ?, ?) RETURNING id")) {
                ps.setLong(1, identity.id());
                ps.setBytes(2, nonce);
                ps.setBytes(3, ciphertext);
                ps.setString(4, record.recordedAt());
                partId = insertedId(ps);
            }
            for (Curator curator : curators) {
                insertPartKey(c, partId, curator.id(), box.wrap(dataKey, curator.publicKey(), aad));
            }
            try (PreparedStatement ps = c.prepareStatement("UPDATE identity SET updated_at = ? WHERE id = ?")) {
                ps.setString(1, record.recordedAt());
                ps.setLong(2, identity.id());
                ps.executeUpdate();
            }
        } finally {
            Arrays.fill(dataKey, (byte) 0);
            Arrays.fill(plaintext, (byte) 0);
        }
    }

    static void insertPartKey(Connection c, long partId, long curatorId, byte[] wrapped) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "INSERT INTO part_key(part_id, curator_id, wrapped_key) VALUES (?, ?, ?)")) {
            ps.setLong(1, partId);
            ps.setLong(2, curatorId);
            ps.setBytes(3, wrapped);
            ps.executeUpdate();
        }
    }

    /** An identity row: what the gateway may know in clear. */
    public record IdentityRef(long id, String project, String pseudonym) {
    }

    /** A sealed part and its data key wrapped for each curator who can open it. */
    record SealedPart(long id, byte[] nonce, byte[] ciphertext, Map<Long, byte[]> wrappedKeys) {
    }

    public List<IdentityRef> findByPseudonym(String pseudonym, String projectOrNull) throws StoreException {
        return db.read(c -> findByPseudonym(c, pseudonym, projectOrNull));
    }

    public List<IdentityRef> findByNewStudyUid(String studyUid, String projectOrNull) throws StoreException {
        return db.read(c -> refs(c, "SELECT i.id, i.project, i.pseudonym FROM study_link s JOIN identity i ON i.id = s.identity_id"
                + " WHERE s.new_study_uid = ?" + (projectOrNull == null ? "" : " AND s.project = ?"), studyUid, projectOrNull));
    }

    public long identityCount() throws StoreException {
        return db.read(c -> CuratorRegistry.count(c, "SELECT count(*) FROM identity"));
    }

    List<SealedPart> sealedParts(Connection c, long identityId) throws SQLException {
        Map<Long, SealedPart> parts = new LinkedHashMap<>();
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT id, nonce, ciphertext FROM identity_part WHERE identity_id = ? ORDER BY id")) {
            ps.setLong(1, identityId);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    parts.put(rs.getLong(1), new SealedPart(rs.getLong(1), rs.getBytes(2), rs.getBytes(3), new LinkedHashMap<>()));
                }
            }
        }
        try (PreparedStatement ps = c.prepareStatement("SELECT k.part_id, k.curator_id, k.wrapped_key FROM part_key k"
                + " JOIN identity_part p ON p.id = k.part_id WHERE p.identity_id = ?")) {
            ps.setLong(1, identityId);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    SealedPart part = parts.get(rs.getLong(1));
                    if (part != null) {
                        part.wrappedKeys().put(rs.getLong(2), rs.getBytes(3));
                    }
                }
            }
        }
        return new ArrayList<>(parts.values());
    }

    /** Opens one part with a data key unwrapped for it; a failed authentication means tampering. */
    IdentityRecord open(IdentityRef identity, SealedPart part, byte[] dataKey) throws TamperedRecordException {
        byte[] aad = SealedBox.associatedData(installationId, identity.project(), identity.pseudonym());
        try {
            byte[] plaintext = SealedBox.decrypt(dataKey, part.nonce(), aad, part.ciphertext());
            try {
                return JSON.readValue(plaintext, IdentityRecord.class);
            } finally {
                Arrays.fill(plaintext, (byte) 0);
            }
        } catch (org.bouncycastle.crypto.InvalidCipherTextException e) {
            throw tampered(identity, part);
        } catch (java.io.IOException e) {
            throw new TamperedRecordException("the record of pseudonym " + identity.pseudonym() + " (part " + part.id()
                    + ") decrypts but is not a record; not shown");
        }
    }

    byte[] unwrap(IdentityRef identity, SealedPart part, byte[] wrapped, CuratorKeystore keystore) throws TamperedRecordException {
        try {
            return SealedBox.unwrap(wrapped, keystore.privateKey(),
                    SealedBox.associatedData(installationId, identity.project(), identity.pseudonym()));
        } catch (org.bouncycastle.crypto.InvalidCipherTextException e) {
            throw tampered(identity, part);
        }
    }

    byte[] wrap(IdentityRef identity, byte[] dataKey, Curator curator) {
        return box.wrap(dataKey, curator.publicKey(), SealedBox.associatedData(installationId, identity.project(), identity.pseudonym()));
    }

    private static TamperedRecordException tampered(IdentityRef identity, SealedPart part) {
        return new TamperedRecordException("the record of pseudonym " + identity.pseudonym() + " (part " + part.id()
                + ") was altered or moved on disk: it fails authentication and is not shown");
    }

    private static IdentityRef identityByLinkKey(Connection c, String project, String linkKey) throws SQLException {
        List<IdentityRef> found = refs(c, "SELECT id, project, pseudonym FROM identity WHERE project = ? AND link_key = ?",
                project, linkKey);
        return found.isEmpty() ? null : found.get(0);
    }

    private static List<IdentityRef> findByPseudonym(Connection c, String pseudonym, String projectOrNull) throws SQLException {
        return refs(c, "SELECT id, project, pseudonym FROM identity WHERE pseudonym = ?"
                + (projectOrNull == null ? "" : " AND project = ?"), pseudonym, projectOrNull);
    }

    /**
     * Nodes sharing a database may receive one patient at the same moment: each looks for the
     * identity and its study link, then writes them; the lock (named by the keyed link, not by
     * anything identifying) makes the second wait and find the first one's rows.
     */
    private void lockPatient(Connection c, String project, String linkKey) throws SQLException {
        db.lock(c, "deid-gateway identity " + project + " " + linkKey);
    }

    private static IdentityRef insertIdentity(Connection c, String project, String pseudonym, String linkKey) throws SQLException {
        String now = CuratorRegistry.now();
        try (PreparedStatement ps = c.prepareStatement(
                "INSERT INTO identity(project, pseudonym, link_key, created_at, updated_at) VALUES (?, ?, ?, ?, ?) RETURNING id")) {
            ps.setString(1, project);
            ps.setString(2, pseudonym);
            ps.setString(3, linkKey);
            ps.setString(4, now);
            ps.setString(5, now);
            return new IdentityRef(insertedId(ps), project, pseudonym);
        }
    }

    private static List<IdentityRef> refs(Connection c, String sql, String... params) throws SQLException {
        List<IdentityRef> refs = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            int index = 1;
            for (String param : params) {
                if (param != null) {
                    ps.setString(index++, param);
                }
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    refs.add(new IdentityRef(rs.getLong(1), rs.getString(2), rs.getString(3)));
                }
            }
        }
        return refs;
    }

    /** Runs an {@code INSERT ... RETURNING id} (both engines say it so) and gives the new row's ID. */
    static long insertedId(PreparedStatement insert) throws SQLException {
        try (ResultSet rs = insert.executeQuery()) {
            if (!rs.next()) {
                throw new SQLException("the insert returned no row ID");
            }
            return rs.getLong(1);
        }
    }
}
