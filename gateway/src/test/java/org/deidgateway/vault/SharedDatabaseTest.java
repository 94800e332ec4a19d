package org.deidgateway.vault;

import org.deidgateway.audit.AuditEvent;
import org.deidgateway.audit.AuditLog;
import org.deidgateway.audit.AuditVerification;
import org.deidgateway.deid.DeidentifiedInstance;
import org.deidgateway.deid.Deidentifier;
import org.deidgateway.pseudonym.EupidStylePseudonyms;
import org.deidgateway.store.Database;
import org.deidgateway.testsupport.TestDatabases;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Two gateway nodes on one PostgreSQL database (issue 15), as two connections of their own on one
 * schema, each its own vault and audit log, working at the same moment: the audit chain stays one
 * verifiable chain, and one patient arriving at both nodes at once gets one identity record, one
 * pseudonym and one study link. Runs in the suite's PostgreSQL pass; SQLite has one writer per file.
 */
class SharedDatabaseTest {

    @TempDir
    Path dir;

    @Test
    void twoNodesAppendToOneAuditChain() throws Exception {
        assumeTrue(TestDatabases.onPostgresql(), "needs the suite's PostgreSQL server");
        Path file = dir.resolve("deid.db");
        int each = 150;
        try (Database nodeA = TestDatabases.open(file); Database nodeB = TestDatabases.open(file)) {
            ExecutorService pool = Executors.newFixedThreadPool(2);
            try {
                CyclicBarrier start = new CyclicBarrier(2);
                List<Future<Void>> done = new ArrayList<>();
                for (Database node : List.of(nodeA, nodeB)) {
                    AuditLog log = new AuditLog(node);
                    String actor = node == nodeA ? "node-a" : "node-b";
                    done.add(pool.submit((Callable<Void>) () -> {
                        start.await(30, TimeUnit.SECONDS);
                        for (int i = 0; i < each; i++) {
                            log.append(AuditEvent.CONFIG_CHANGED, actor, Map.of("n", i));
                        }
                        return null;
                    }));
                }
                for (Future<Void> f : done) {
                    f.get(120, TimeUnit.SECONDS);
                }
            } finally {
                pool.shutdownNow();
            }
            AuditVerification verification = new AuditLog(nodeB).verify(null);
            assertTrue(verification.intact(), verification.problem());
            assertEquals(2L * each, verification.entries());
            // both really wrote, interleaved, not one after the other by chance of scheduling
            assertEquals(each, count(nodeA, "SELECT count(*) FROM audit WHERE actor = 'node-a'"));
            assertEquals(each, count(nodeA, "SELECT count(*) FROM audit WHERE actor = 'node-b'"));
        }
    }

    @Test
    void onePatientAtTwoNodesAtOnceIsOneIdentityWithOnePseudonym() throws Exception {
        assumeTrue(TestDatabases.onPostgresql(), "needs the suite's PostgreSQL server");
        int patients = 12;
        try (VaultFixture a = new VaultFixture(dir); VaultFixture b = new VaultFixture(dir)) {
            a.addCurator("Ana");
            // EUPID-style: a random draw per node, so only the shared table can make the two agree
            Deidentifier engineA = a.engine("lung", new EupidStylePseudonyms("lung", a.vault, new SecureRandom()));
            Deidentifier engineB = b.engine("lung", new EupidStylePseudonyms("lung", b.vault, new SecureRandom()));
            ExecutorService pool = Executors.newFixedThreadPool(2);
            try {
                for (int n = 0; n < patients; n++) {
                    CyclicBarrier start = new CyclicBarrier(2);
                    int patient = n;
                    Future<DeidentifiedInstance> atA = pool.submit(() -> {
                        start.await(30, TimeUnit.SECONDS);
                        DeidentifiedInstance r = engineA.deidentify(VaultFixture.patient(patient, 1));
                        a.vault.record("lung", r);
                        return r;
                    });
                    Future<DeidentifiedInstance> atB = pool.submit(() -> {
                        start.await(30, TimeUnit.SECONDS);
                        DeidentifiedInstance r = engineB.deidentify(VaultFixture.patient(patient, 1));
                        b.vault.record("lung", r);
                        return r;
                    });
                    DeidentifiedInstance ra = atA.get(60, TimeUnit.SECONDS);
                    DeidentifiedInstance rb = atB.get(60, TimeUnit.SECONDS);
                    assertEquals(ra.pseudonym(), rb.pseudonym(), "patient " + n + " got two pseudonyms");
                }
            } finally {
                pool.shutdownNow();
            }
            assertEquals(patients, count(a.db, "SELECT count(*) FROM identity"));
            assertEquals(patients, count(b.db, "SELECT count(DISTINCT pseudonym) FROM identity"));
            assertEquals(patients, count(a.db, "SELECT count(*) FROM study_link"));
            assertEquals(patients, count(a.db, "SELECT count(*) FROM identity_part"));
        }
    }

    private static long count(Database db, String sql) throws Exception {
        return db.read(c -> {
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
                rs.next();
                return rs.getLong(1);
            }
        });
    }
}
