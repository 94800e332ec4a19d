package org.deidgateway.audit;

import org.deidgateway.testsupport.TestDatabases;
import org.deidgateway.store.Database;
import org.deidgateway.testsupport.TestData;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The audit trail on a real SQLite file, attacked the ways someone with write access to it could. */
class AuditLogTest {

    private static final byte[] KEY = TestData.secret(3);

    @TempDir
    Path dir;
    private Database db;
    private AuditLog audit;

    @BeforeEach
    void tenEntriesSealed() throws Exception {
        db = TestDatabases.open(dir.resolve("deid.db"));
        audit = new AuditLog(db);
        for (int i = 1; i <= 10; i++) {
            audit.append(AuditEvent.DEIDENTIFIED, "os-user:test", Map.of("pseudonym", "LUNG-" + i, "instances", i));
        }
        audit.checkpoint(KEY);
        AuditVerification intact = audit.verify(KEY);
        assertTrue(intact.intact(), intact.problem());
        assertEquals(10, intact.entries());
    }

    @AfterEach
    void close() {
        db.close();
    }

    @Test
    void anAlteredEntryIsFoundWithOrWithoutTheKey() throws Exception {
        sql("UPDATE audit SET details = replace(details, 'LUNG-4', 'LUNG-5') WHERE seq = 4");
        for (byte[] key : new byte[][] {KEY, null}) {
            AuditVerification v = audit.verify(key);
            assertFalse(v.intact());
            assertEquals(4L, v.firstBrokenSeq());
            assertTrue(v.problem().contains("altered"), v.problem());
        }
    }

    @Test
    void aDeletedEntryIsFound() throws Exception {
        sql("DELETE FROM audit WHERE seq = 6");
        AuditVerification v = audit.verify(null);
        assertEquals(6L, v.firstBrokenSeq());
        assertTrue(v.problem().contains("missing (deleted)"), v.problem());
    }

    @Test
    void cuttingOffTheNewestEntriesIsFoundByTheCheckpoint() throws Exception {
        sql("DELETE FROM audit WHERE seq >= 9");
        assertTrue(audit.verify(null).intact(), "the chain alone cannot see a cut tail");
        AuditVerification v = audit.verify(KEY);
        assertFalse(v.intact());
        assertTrue(v.problem().contains("cut off"), v.problem());
    }

    @Test
    void aRewrittenChainIsFoundByTheCheckpoint() throws Exception {
        // an attacker changes entry 3 and recomputes every hash after it: the links are consistent again
        sql("UPDATE audit SET details = replace(details, 'LUNG-3', 'LUNG-X') WHERE seq = 3");
        String prev = AuditLog.GENESIS;
        for (long seq = 1; seq <= 10; seq++) {
            String[] row = row(seq);
            String hash = AuditLog.hash(seq, row[0], row[1], row[2], row[3], prev);
            long s = seq;
            String p = prev;
            db.inTransaction(c -> {
                try (PreparedStatement ps = c.prepareStatement("UPDATE audit SET prev_hash = ?, hash = ? WHERE seq = ?")) {
                    ps.setString(1, p);
                    ps.setString(2, hash);
                    ps.setLong(3, s);
                    return ps.executeUpdate();
                }
            });
            prev = hash;
        }
        assertTrue(audit.verify(null).intact());
        AuditVerification v = audit.verify(KEY);
        assertFalse(v.intact());
        assertTrue(v.problem().contains("rewritten"), v.problem());
        // and a checkpoint forged without the key is caught too
        sql("UPDATE meta SET value = '10:" + prev + ":" + "00".repeat(32) + "' WHERE key = 'audit.checkpoint'");
        assertTrue(audit.verify(KEY).problem().contains("checkpoint was altered"), audit.verify(KEY).problem());
    }

    @Test
    void entriesAfterTheCheckpointAreChainedAndTheNextCheckpointCoversThem() throws Exception {
        audit.append(AuditEvent.KEYSTORE_WRONG_PASSPHRASE, "os-user:test", Map.of("keystore", "keystore.p12"));
        assertTrue(audit.verify(KEY).intact());
        audit.checkpoint(KEY);
        sql("DELETE FROM audit WHERE seq = 11");
        assertFalse(audit.verify(KEY).intact());
    }

    private String[] row(long seq) throws Exception {
        return db.read(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT at, event, actor, details FROM audit WHERE seq = ?")) {
                ps.setLong(1, seq);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return new String[] {rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4)};
                }
            }
        });
    }

    private void sql(String statement) throws Exception {
        int changed = db.inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement(statement)) {
                return ps.executeUpdate();
            }
        });
        assertTrue(changed > 0, "changed nothing: " + statement);
    }
}
