package org.deidgateway.vault;

import org.deidgateway.deid.DeidentifiedInstance;
import org.deidgateway.testsupport.TestDatabases;
import org.deidgateway.deid.Deidentifier;
import org.deidgateway.keystore.GatewayKeystore;
import org.deidgateway.pseudonym.PseudonymScheme;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The correspondence table on real SQLite files: scale, re-identification, what the home alone can open. */
class IdentityVaultTest {

    private static final int PATIENTS = 10_000;

    @TempDir
    Path dir;

    @Test
    void tenThousandPatientsThenOneReidentifiedByPseudonymAndByStudy() throws Exception {
        try (VaultFixture f = new VaultFixture(dir)) {
            CuratorKeystore curator = f.addCurator("Ana Curator");
            Deidentifier engine = f.engine("lung", PseudonymScheme.KEYED);
            long started = System.nanoTime();
            List<DeidentifiedInstance> results = recordPatients(f, engine, PATIENTS);
            double seconds = (System.nanoTime() - started) / 1e9;
            System.out.printf("vault: %d patients de-identified and sealed in %.1f s (%.0f/s)%n", PATIENTS, seconds,
                    PATIENTS / seconds);
            assertEquals(PATIENTS, f.vault.identityCount());

            // a second study of patient 4321 adds to the same entry
            DeidentifiedInstance followUp = engine.deidentify(VaultFixture.patient(4321, 2));
            assertTrue(f.vault.record("lung", followUp));
            assertFalse(f.vault.record("lung", followUp), "the same study is linked once");
            assertEquals(results.get(4321).pseudonym(), followUp.pseudonym());
            assertEquals(PATIENTS, f.vault.identityCount());

            ReidentifiedPatient byPseudonym = f.reidentifier().reidentify(
                    new Reidentifier.Lookup(followUp.pseudonym(), null, null), curator, null, false, "incidental finding");
            assertEquals(2, byPseudonym.parts().size());
            for (IdentityRecord part : byPseudonym.parts()) {
                assertEquals(VaultFixture.patientId(4321), part.patientId());
                assertEquals(VaultFixture.patientName(4321), part.name());
                assertEquals("HOSPITAL-A", part.issuerOfPatientId());
            }
            assertEquals("1.2.826.0.1.3680043.9.7777.4321.1", byPseudonym.parts().get(0).originalStudyInstanceUid());
            assertEquals("ACC43212", byPseudonym.parts().get(1).accessionNumber());

            ReidentifiedPatient byStudy = f.reidentifier().reidentify(
                    new Reidentifier.Lookup(null, results.get(17).studyInstanceUid(), null), curator, null, false, "QA query");
            assertEquals(VaultFixture.patientId(17), byStudy.parts().get(0).patientId());

            String audit = f.audit.last(2).toString();
            assertTrue(audit.contains("incidental finding") && audit.contains(followUp.pseudonym()), audit);
            assertFalse(audit.contains(VaultFixture.patientId(4321)) || audit.contains("Testpatient"), audit);
            assertTrue(f.audit.verify(null).intact());
        }
    }

    @Test
    void theHomeAloneOpensNoRecord() throws Exception {
        Path home = dir.resolve("home");
        Files.createDirectory(home);
        char[] gatewayPassphrase = "gateway-passphrase".toCharArray();
        GatewayKeystore keystore = GatewayKeystore.create(home.resolve("keystore.p12"), gatewayPassphrase, "lung");
        int patients = 50;
        try (VaultFixture f = new VaultFixture(home)) {
            // the curator's keystore is made in the home by the fixture: move it out, as deid curator add insists
            CuratorKeystore curator = f.addCurator("Ana Curator");
            Files.move(curator.file(), dir.resolve("ana.p12"));
            recordPatients(f, f.engine("lung", PseudonymScheme.KEYED), patients);

            // every secret the home holds, with its passphrase, tried as the data key of every sealed part
            List<byte[]> secrets = List.of(keystore.projectMasterSecret("lung"), keystore.auditKey());
            List<byte[][]> parts = f.db.read(c -> {
                List<byte[][]> rows = new ArrayList<>();
                try (PreparedStatement ps = c.prepareStatement("SELECT p.nonce, p.ciphertext, i.project, i.pseudonym"
                        + " FROM identity_part p JOIN identity i ON i.id = p.identity_id");
                     ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        rows.add(new byte[][] {rs.getBytes(1), rs.getBytes(2),
                                SealedBox.associatedData(f.vault.installationId(), rs.getString(3), rs.getString(4))});
                    }
                }
                return rows;
            });
            assertEquals(patients, parts.size());
            for (byte[][] part : parts) {
                for (byte[] secret : secrets) {
                    assertThrows(org.bouncycastle.crypto.InvalidCipherTextException.class,
                            () -> SealedBox.decrypt(secret, part[0], part[2], part[1]));
                }
            }
        }
        // and no identity is anywhere in the home's bytes: database, its WAL, config, keystore; on
        // PostgreSQL, in the server's own files too (tables, WAL) when the suite says where they are
        List<Path> files = new java.util.ArrayList<>();
        try (Stream<Path> walk = Files.walk(home)) {
            walk.filter(Files::isRegularFile).forEach(files::add);
        }
        if (TestDatabases.onPostgresql()) {
            java.util.Optional<Path> server = TestDatabases.serverFiles();
            if (server.isPresent()) {
                // what this test wrote must be on disk before it is searched there
                TestDatabases.checkpoint();
                try (Stream<Path> walk = Files.walk(server.get())) {
                    walk.filter(Files::isRegularFile).filter(Files::isReadable).forEach(files::add);
                }
            }
        } else {
            assertTrue(files.stream().anyMatch(p -> p.getFileName().toString().equals("deid.db")), files.toString());
        }
        for (Path file : files) {
            String bytes = new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1);
            for (int n = 0; n < patients; n++) {
                assertFalse(bytes.contains(VaultFixture.patientId(n)), file + " contains a patient ID");
                assertFalse(bytes.contains("Person" + n + "\""), file + " contains a patient name");
            }
            assertFalse(bytes.contains("Testpatient"), file + " contains a patient name");
            assertFalse(bytes.contains("HOSPITAL-A"), file + " contains an issuer");
        }
        // the curator's keystore, outside the home, does open them
        try (VaultFixture f = new VaultFixture(home)) {
            CuratorKeystore curator = CuratorKeystore.open(dir.resolve("ana.p12"), VaultFixture.CURATOR_PASSPHRASE);
            String pseudonym = f.vault.findByNewStudyUid(firstStudy(f), null).get(0).pseudonym();
            assertEquals(1, f.reidentifier().reidentify(new Reidentifier.Lookup(pseudonym, null, null), curator, null,
                    false, "check").parts().size());
        }
    }

    @Test
    void aPseudonymizingVaultWithoutCuratorRefusesToRecord() throws Exception {
        try (VaultFixture f = new VaultFixture(dir)) {
            DeidentifiedInstance result = f.engine("lung", PseudonymScheme.KEYED).deidentify(VaultFixture.patient(1, 1));
            VaultException e = assertThrows(VaultException.class, () -> f.vault.record("lung", result));
            assertTrue(e.getMessage().contains("deid curator add"), e.getMessage());
            assertEquals(0, f.vault.identityCount(), "nothing half written");
        }
    }

    static List<DeidentifiedInstance> recordPatients(VaultFixture f, Deidentifier engine, int count) throws Exception {
        return recordPatients(f, engine, "lung", count);
    }

    /** De-identifies and records {@code count} patients, 1000 to a transaction as a batch import would. */
    static List<DeidentifiedInstance> recordPatients(VaultFixture f, Deidentifier engine, String project, int count)
            throws Exception {
        List<DeidentifiedInstance> results = new ArrayList<>(count);
        int batch = 1000;
        for (int start = 0; start < count; start += batch) {
            int from = start;
            f.db.inTransaction(c -> {
                for (int n = from; n < Math.min(count, from + batch); n++) {
                    DeidentifiedInstance result = engine.deidentify(VaultFixture.patient(n, 1));
                    assertTrue(f.vault.record(project, result));
                    results.add(result);
                }
                return null;
            });
        }
        return results;
    }

    private static String firstStudy(VaultFixture f) throws Exception {
        return f.db.read(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT new_study_uid FROM study_link LIMIT 1");
                 ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getString(1);
            }
        });
    }
}
