package org.deidgateway.vault;

import org.deidgateway.deid.DeidentifiedInstance;
import org.deidgateway.deid.Deidentifier;
import org.deidgateway.pseudonym.PseudonymScheme;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Who may open a record, and what happens to records and keys altered on disk. */
class CuratorAccessTest {

    @TempDir
    Path dir;

    @Test
    void fourEyesNeedsASecondDifferentRegisteredCurator() throws Exception {
        try (VaultFixture f = new VaultFixture(dir)) {
            CuratorKeystore ana = f.addCurator("Ana");
            CuratorKeystore ben = f.addCurator("Ben");
            List<DeidentifiedInstance> results = IdentityVaultTest.recordPatients(f, f.engine("lung", PseudonymScheme.KEYED), 200);
            Reidentifier.Lookup lookup = new Reidentifier.Lookup(results.get(150).pseudonym(), null, null);

            VaultException alone = assertThrows(VaultException.class,
                    () -> f.reidentifier().reidentify(lookup, ana, null, true, "withdrawal of consent"));
            assertTrue(alone.getMessage().contains("--approver-keystore"), alone.getMessage());
            VaultException self = assertThrows(VaultException.class,
                    () -> f.reidentifier().reidentify(lookup, ana, ana, true, "withdrawal of consent"));
            assertTrue(self.getMessage().contains("another curator"), self.getMessage());

            ReidentifiedPatient patient = f.reidentifier().reidentify(lookup, ana, ben, true, "withdrawal of consent");
            assertEquals(VaultFixture.patientId(150), patient.parts().get(0).patientId());
            String last = f.audit.last(1).get(0).details();
            assertTrue(last.contains("\"approver\":\"Ben\"") && last.contains("\"curator\":\"Ana\""), last);
            assertTrue(f.audit.last(3).stream().filter(e -> e.event().equals("reidentification-refused")).count() == 2);
            assertThrows(VaultException.class, () -> f.reidentifier().reidentify(lookup, ana, null, false, "  "));
        }
    }

    @Test
    void alteredMovedOrRekeyedRecordsAreReportedAsTamperedNeverShown() throws Exception {
        try (VaultFixture f = new VaultFixture(dir)) {
            CuratorKeystore ana = f.addCurator("Ana");
            List<DeidentifiedInstance> results = IdentityVaultTest.recordPatients(f, f.engine("lung", PseudonymScheme.KEYED), 5);
            String p0 = results.get(0).pseudonym();
            String p1 = results.get(1).pseudonym();
            String p2 = results.get(2).pseudonym();

            // one bit of a ciphertext flipped
            flipOneBit(f, p0);
            // two records swapped between pseudonyms, each with its own (valid) wrapped key
            sql(f, "UPDATE identity_part SET identity_id = CASE identity_id WHEN (SELECT id FROM identity WHERE pseudonym = '"
                    + p1 + "') THEN (SELECT id FROM identity WHERE pseudonym = '" + p2 + "') ELSE (SELECT id FROM identity WHERE"
                    + " pseudonym = '" + p1 + "') END WHERE identity_id IN (SELECT id FROM identity WHERE pseudonym IN ('"
                    + p1 + "', '" + p2 + "'))");
            for (String pseudonym : List.of(p0, p1, p2)) {
                TamperedRecordException e = assertThrows(TamperedRecordException.class, () -> f.reidentifier().reidentify(
                        new Reidentifier.Lookup(pseudonym, null, null), ana, null, false, "audit check"));
                assertTrue(e.getMessage().contains(pseudonym) && e.getMessage().contains("not shown"), e.getMessage());
                assertFalse(e.getMessage().contains("MRN") || e.getMessage().contains("Testpatient"), e.getMessage());
            }
            // a wrapped key replaced by another record's
            String p3 = results.get(3).pseudonym();
            sql(f, "UPDATE part_key SET wrapped_key = (SELECT k.wrapped_key FROM part_key k JOIN identity_part p ON p.id = k.part_id"
                    + " JOIN identity i ON i.id = p.identity_id WHERE i.pseudonym = '" + results.get(4).pseudonym() + "')"
                    + " WHERE part_id IN (SELECT p.id FROM identity_part p JOIN identity i ON i.id = p.identity_id WHERE i.pseudonym = '"
                    + p3 + "')");
            assertThrows(TamperedRecordException.class, () -> f.reidentifier().reidentify(
                    new Reidentifier.Lookup(p3, null, null), ana, null, false, "audit check"));
            // the untouched record still opens
            assertEquals(VaultFixture.patientId(4), f.reidentifier().reidentify(new Reidentifier.Lookup(
                    results.get(4).pseudonym(), null, null), ana, null, false, "audit check").parts().get(0).patientId());
        }
    }

    @Test
    void removedForeignAndLateCurators() throws Exception {
        java.nio.file.Files.createDirectories(dir.resolve("other"));
        try (VaultFixture f = new VaultFixture(dir); VaultFixture other = new VaultFixture(dir.resolve("other"))) {
            CuratorKeystore ana = f.addCurator("Ana");
            CuratorKeystore ben = f.addCurator("Ben");
            List<DeidentifiedInstance> results = IdentityVaultTest.recordPatients(f, f.engine("lung", PseudonymScheme.KEYED), 30);
            Reidentifier.Lookup lookup = new Reidentifier.Lookup(results.get(3).pseudonym(), null, null);

            // a curator added after the records cannot open them until an existing curator re-seals
            CuratorKeystore cleo = f.addCurator("Cleo");
            VaultException late = assertThrows(VaultException.class,
                    () -> f.reidentifier().reidentify(lookup, cleo, null, false, "follow-up"));
            assertTrue(late.getMessage().contains("deid curator reseal"), late.getMessage());
            Curator cleoRow = f.curators.activeByName("Cleo").orElseThrow();
            Resealer.Result resealed = new Resealer(f.vault).reseal(cleoRow, f.curators.activeByName("Ana").orElseThrow(), ana, n -> { });
            assertEquals(new Resealer.Result(30, 0, 0), resealed);
            assertEquals(VaultFixture.patientId(3), f.reidentifier().reidentify(lookup, cleo, null, false, "follow-up")
                    .parts().get(0).patientId());

            // removed: refused, and the wrapped keys are gone
            f.curators.remove("Ben");
            VaultException removed = assertThrows(VaultException.class,
                    () -> f.reidentifier().reidentify(lookup, ben, null, false, "follow-up"));
            assertTrue(removed.getMessage().contains("was removed"), removed.getMessage());
            assertEquals(0, f.curators.readableParts(f.curators.all().get(1))[0]);

            // a keystore made for another installation
            CuratorKeystore foreign = other.addCurator("Dora");
            VaultException elsewhere = assertThrows(VaultException.class,
                    () -> f.reidentifier().reidentify(lookup, foreign, null, false, "follow-up"));
            assertTrue(elsewhere.getMessage().contains("another installation"), elsewhere.getMessage());

            // the last curators cannot all go while records exist
            f.curators.remove("Cleo");
            VaultException last = assertThrows(VaultException.class, () -> f.curators.remove("Ana"));
            assertTrue(last.getMessage().contains("only curator"), last.getMessage());

            // a wrong passphrase is its own error
            assertThrows(WrongPassphraseException.class,
                    () -> CuratorKeystore.open(ana.file(), "not-the-passphrase".toCharArray()));
        }
    }

    @Test
    void eupidStylePseudonymsAreStablePerPatientAndDistinctAcrossContexts() throws Exception {
        try (VaultFixture f = new VaultFixture(dir)) {
            CuratorKeystore ana = f.addCurator("Ana");
            Deidentifier lung = f.engine("lung", new org.deidgateway.pseudonym.EupidStylePseudonyms("lung", f.vault,
                    new java.security.SecureRandom()));
            Deidentifier brain = f.engine("brain", new org.deidgateway.pseudonym.EupidStylePseudonyms("brain", f.vault,
                    new java.security.SecureRandom()));
            List<DeidentifiedInstance> lungResults = IdentityVaultTest.recordPatients(f, lung, "lung", 1000);
            java.util.Set<String> distinct = new java.util.HashSet<>();
            for (DeidentifiedInstance r : lungResults) {
                assertTrue(org.deidgateway.pseudonym.EupidStylePseudonyms.isWellFormed(r.pseudonym()), r.pseudonym());
                distinct.add(r.pseudonym());
            }
            assertEquals(1000, distinct.size());

            DeidentifiedInstance again = lung.deidentify(VaultFixture.patient(42, 2));
            assertEquals(lungResults.get(42).pseudonym(), again.pseudonym(), "a repeated study keeps the pseudonym");
            assertTrue(f.vault.record("lung", again));
            DeidentifiedInstance otherContext = brain.deidentify(VaultFixture.patient(42, 1));
            f.vault.record("brain", otherContext);
            assertFalse(otherContext.pseudonym().equals(again.pseudonym()), "another context, another pseudonym");
            assertTrue(otherContext.pseudonym().startsWith("CTX-"));

            // after a restart (a new vault on the same file) the same patient gets the same pseudonym
            f.db.close();
        }
        try (VaultFixture reopened = new VaultFixture(dir)) {
            Deidentifier lung = reopened.engine("lung", new org.deidgateway.pseudonym.EupidStylePseudonyms("lung",
                    reopened.vault, new java.security.SecureRandom()));
            DeidentifiedInstance third = lung.deidentify(VaultFixture.patient(42, 3));
            ReidentifiedPatient patient = reopened.reidentifier().reidentify(new Reidentifier.Lookup(third.pseudonym(), null,
                    "lung"), CuratorKeystore.open(dir.resolve("Ana.p12"), VaultFixture.CURATOR_PASSPHRASE), null, false, "check");
            assertEquals(2, patient.parts().size());
            assertEquals(VaultFixture.patientId(42), patient.parts().get(0).patientId());
        }
        // a single wrong symbol or swapped neighbours fail the check symbol
        String good = "CTX-" + "0123456789" + org.deidgateway.pseudonym.CrockfordBase32.checkSymbol("0123456789");
        assertTrue(org.deidgateway.pseudonym.EupidStylePseudonyms.isWellFormed(good));
        assertFalse(org.deidgateway.pseudonym.EupidStylePseudonyms.isWellFormed(good.replace("345", "354")));
        assertFalse(org.deidgateway.pseudonym.EupidStylePseudonyms.isWellFormed(good.replace("345", "395")));
    }

    private static void flipOneBit(VaultFixture f, String pseudonym) throws Exception {
        f.db.inTransaction(c -> {
            long part;
            byte[] ciphertext;
            try (PreparedStatement ps = c.prepareStatement("SELECT p.id, p.ciphertext FROM identity_part p JOIN identity i"
                    + " ON i.id = p.identity_id WHERE i.pseudonym = ?")) {
                ps.setString(1, pseudonym);
                try (java.sql.ResultSet rs = ps.executeQuery()) {
                    assertTrue(rs.next());
                    part = rs.getLong(1);
                    ciphertext = rs.getBytes(2);
                }
            }
            ciphertext[20] ^= 1;
            try (PreparedStatement ps = c.prepareStatement("UPDATE identity_part SET ciphertext = ? WHERE id = ?")) {
                ps.setBytes(1, ciphertext);
                ps.setLong(2, part);
                ps.executeUpdate();
            }
            return null;
        });
    }

    private static void sql(VaultFixture f, String statement) throws Exception {
        int changed = f.db.inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement(statement)) {
                return ps.executeUpdate();
            }
        });
        assertTrue(changed > 0, "the tampering statement changed nothing: " + statement);
    }
}
