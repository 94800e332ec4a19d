package org.deidgateway.cli;

import org.deidgateway.testsupport.TestDatabases;
import org.deidgateway.testsupport.TestData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The vault from the command line, as the README walks a newcomer through it, and the faults a
 * hospital will meet: wrong passphrases, a missing reason, removed curators, an altered audit trail,
 * a locked database, a read-only or full file system.
 */
class VaultCliIT {

    private static final Map<String, String> ENV = Map.of("DEID_PASSPHRASE", "gateway-passphrase",
            "DEID_CURATOR_PASSPHRASE", "ana-curator-passphrase");
    private static final String CT_PATIENT_NAME = "CompressedSamples^CT1";

    @TempDir
    Path dir;

    private DeidProcess.Result deid(Map<String, String> env, String... args) throws Exception {
        return DeidProcess.run(dir, env, args);
    }

    private DeidProcess.Result deid(String... args) throws Exception {
        return deid(ENV, args);
    }

    private Path initWithCurator(Path home) throws Exception {
        Path ana = dir.resolve("ana.p12");
        DeidProcess.Result init = deid("init", "--home", home.toString(), "--project", "lung", "--curator", "Ana",
                "--curator-out", ana.toString());
        assertEquals(0, init.exit(), init.err());
        assertTrue(init.out().contains("curator  Ana"), init.out());
        return ana;
    }

    @Test
    void readmeWalkthroughInitDeidentifyReidentifyAuditVerify() throws Exception {
        Path home = dir.resolve("home");
        Path ana = initWithCurator(home);
        Path out = dir.resolve("out");
        DeidProcess.Result run = deid("deidentify", "--home", home.toString(), "--out", out.toString(),
                TestData.pydicom("CT_small.dcm").toString(), TestData.pydicom("MR_small.dcm").toString());
        assertEquals(0, run.exit(), run.err());
        Path ctStudy = studyFolderOf(out, "CT_small");
        String pseudonym = ctStudy.getParent().getFileName().toString();

        DeidProcess.Result byPseudonym = deid("reidentify", "--home", home.toString(), "--curator-keystore", ana.toString(),
                "--reason", "incidental finding, ticket 42", "--pseudonym", pseudonym);
        assertEquals(0, byPseudonym.exit(), byPseudonym.err());
        assertTrue(byPseudonym.out().contains(CT_PATIENT_NAME), byPseudonym.out());
        assertTrue(byPseudonym.out().contains("1CT1"), byPseudonym.out());
        DeidProcess.Result byStudy = deid("reidentify", "--home", home.toString(), "--curator-keystore", ana.toString(),
                "--reason", "repository query", "--study-uid", ctStudy.getFileName().toString());
        assertEquals(0, byStudy.exit(), byStudy.err());
        assertTrue(byStudy.out().contains(CT_PATIENT_NAME), byStudy.out());

        DeidProcess.Result noReason = deid("reidentify", "--home", home.toString(), "--curator-keystore", ana.toString(),
                "--pseudonym", pseudonym);
        assertEquals(2, noReason.exit());
        assertTrue(noReason.err().contains("--reason"), noReason.err());
        Map<String, String> wrongCurator = new HashMap<>(ENV);
        wrongCurator.put("DEID_CURATOR_PASSPHRASE", "not-ana-passphrase");
        DeidProcess.Result wrong = deid(wrongCurator, "reidentify", "--home", home.toString(), "--curator-keystore",
                ana.toString(), "--reason", "x", "--pseudonym", pseudonym);
        assertEquals(1, wrong.exit());
        assertTrue(wrong.err().contains("wrong passphrase"), wrong.err());
        DeidProcess.Result unknown = deid("reidentify", "--home", home.toString(), "--curator-keystore", ana.toString(),
                "--reason", "x", "--pseudonym", "LUNG-NOSUCHPSEUDONYM");
        assertEquals(1, unknown.exit());
        assertTrue(unknown.err().contains("no record for pseudonym LUNG-NOSUCHPSEUDONYM"), unknown.err());

        DeidProcess.Result show = deid("audit", "show", "--home", home.toString());
        assertEquals(0, show.exit(), show.err());
        for (String expected : List.of("installation-created", "curator-added", "deidentified", "reidentified",
                "incidental finding, ticket 42", "curator-keystore-wrong-passphrase", "reidentification-refused", pseudonym)) {
            assertTrue(show.out().contains(expected), expected + " in " + show.out());
        }
        assertFalse(show.out().contains("CompressedSamples") || show.out().contains("1CT1"), "no identity in the audit");
        DeidProcess.Result verify = deid("audit", "verify", "--home", home.toString());
        assertEquals(0, verify.exit(), verify.err());
        assertTrue(verify.out().contains("intact") && verify.out().contains("sealed checkpoint verified"), verify.out());

        // a new gateway passphrase: the old one stops working, the pseudonyms stay
        Map<String, String> change = new HashMap<>(ENV);
        change.put("DEID_NEW_PASSPHRASE", "a-new-gateway-passphrase");
        assertEquals(0, deid(change, "keystore", "passwd", "--home", home.toString()).exit());
        assertEquals(1, deid("deidentify", "--home", home.toString(), "--out", dir.resolve("o2").toString(),
                TestData.pydicom("CT_small.dcm").toString()).exit());
        Map<String, String> renewed = new HashMap<>(ENV);
        renewed.put("DEID_PASSPHRASE", "a-new-gateway-passphrase");
        DeidProcess.Result again = deid(renewed, "deidentify", "--home", home.toString(), "--out", dir.resolve("o3").toString(),
                TestData.pydicom("CT_small.dcm").toString());
        assertEquals(0, again.exit(), again.err());
        assertTrue(Files.isDirectory(dir.resolve("o3").resolve(pseudonym)));
        DeidProcess.Result afterWrong = deid(renewed, "audit", "show", "--home", home.toString(), "--last", "8");
        assertTrue(afterWrong.out().contains("keystore-wrong-passphrase") && afterWrong.out().contains("keystore-passphrase-changed"),
                afterWrong.out());
    }

    @Test
    void withoutACuratorAPseudonymizingProjectProcessesNothing() throws Exception {
        Path home = dir.resolve("home");
        DeidProcess.Result init = deid("init", "--home", home.toString());
        assertEquals(0, init.exit(), init.err());
        assertTrue(init.out().contains("no curator yet"), init.out());
        Path out = dir.resolve("out");
        DeidProcess.Result run = deid("deidentify", "--home", home.toString(), "--out", out.toString(),
                TestData.pydicom("CT_small.dcm").toString());
        assertEquals(1, run.exit());
        assertTrue(run.err().contains("no curator is registered") && run.err().contains("deid curator add"), run.err());
        assertEquals(0, countFiles(out));

        DeidProcess.Result inside = deid("curator", "add", "--home", home.toString(), "--name", "Ana", "--out",
                home.resolve("ana.p12").toString());
        assertEquals(1, inside.exit());
        assertTrue(inside.err().contains("inside the home"), inside.err());
        assertEquals(0, deid("curator", "add", "--home", home.toString(), "--name", "Ana", "--out",
                dir.resolve("ana.p12").toString()).exit());
        assertEquals(0, deid("deidentify", "--home", home.toString(), "--out", out.toString(),
                TestData.pydicom("CT_small.dcm").toString()).exit());
    }

    @Test
    void fourEyesSecondCuratorReSealingAndRemoval() throws Exception {
        Path home = dir.resolve("home");
        Path ana = initWithCurator(home);
        Path out = dir.resolve("out");
        assertEquals(0, deid("deidentify", "--home", home.toString(), "--out", out.toString(),
                TestData.pydicom("CT_small.dcm").toString()).exit());
        String pseudonym = studyFolderOf(out, "CT_small").getParent().getFileName().toString();
        String config = Files.readString(home.resolve("deid.yaml"));
        assertTrue(config.contains("four-eyes: false"), config);
        Files.writeString(home.resolve("deid.yaml"), config.replace("four-eyes: false", "four-eyes: true"));

        Map<String, String> addBen = new HashMap<>(ENV);
        addBen.put("DEID_CURATOR_PASSPHRASE", "ben-curator-passphrase");
        addBen.put("DEID_EXISTING_CURATOR_PASSPHRASE", "ana-curator-passphrase");
        Path ben = dir.resolve("ben.p12");
        DeidProcess.Result add = deid(addBen, "curator", "add", "--home", home.toString(), "--name", "Ben", "--out",
                ben.toString(), "--existing-keystore", ana.toString());
        assertEquals(0, add.exit(), add.err());
        assertTrue(add.out().contains("re-sealed 1 records to Ben"), add.out());
        DeidProcess.Result list = deid("curator", "list", "--home", home.toString());
        assertTrue(deid("audit", "show", "--home", home.toString()).out().contains("config-changed"),
                "the hand edit of deid.yaml is audited");
        assertEquals(2, list.out().lines().filter(l -> l.contains("active") && l.contains("1 of 1 records")).count(), list.out());

        DeidProcess.Result alone = deid("reidentify", "--home", home.toString(), "--curator-keystore", ana.toString(),
                "--reason", "tumour board", "--pseudonym", pseudonym);
        assertEquals(1, alone.exit());
        assertTrue(alone.err().contains("four-eyes") && alone.err().contains("--approver-keystore"), alone.err());
        Map<String, String> both = new HashMap<>(ENV);
        both.put("DEID_APPROVER_PASSPHRASE", "ben-curator-passphrase");
        DeidProcess.Result approved = deid(both, "reidentify", "--home", home.toString(), "--curator-keystore", ana.toString(),
                "--approver-keystore", ben.toString(), "--reason", "tumour board", "--pseudonym", pseudonym);
        assertEquals(0, approved.exit(), approved.err());
        assertTrue(approved.out().contains(CT_PATIENT_NAME), approved.out());

        assertEquals(0, deid("curator", "remove", "--home", home.toString(), "--name", "Ben").exit());
        DeidProcess.Result removed = deid(both, "reidentify", "--home", home.toString(), "--curator-keystore", ana.toString(),
                "--approver-keystore", ben.toString(), "--reason", "tumour board", "--pseudonym", pseudonym);
        assertEquals(1, removed.exit());
        assertTrue(removed.err().contains("was removed"), removed.err());
        DeidProcess.Result last = deid("curator", "remove", "--home", home.toString(), "--name", "Ana");
        assertEquals(1, last.exit());
        assertTrue(last.err().contains("only curator"), last.err());
    }

    @Test
    void anAlteredOrShortenedAuditTrailIsReported() throws Exception {
        Path home = dir.resolve("home");
        initWithCurator(home);
        assertEquals(0, deid("deidentify", "--home", home.toString(), "--out", dir.resolve("out").toString(),
                TestData.pydicom("CT_small.dcm").toString(), TestData.pydicom("MR_small.dcm").toString()).exit());
        sql(home, "UPDATE audit SET details = replace(details, '\"instances\":1', '\"instances\":9') WHERE seq = 3");
        DeidProcess.Result altered = deid("audit", "verify", "--home", home.toString());
        assertEquals(1, altered.exit());
        assertTrue(altered.out().contains("BROKEN at #3") && altered.out().contains("altered"), altered.out());

        Path home2 = dir.resolve("home2");
        Files.createDirectories(dir.resolve("k2"));
        assertEquals(0, deid("init", "--home", home2.toString(), "--curator", "Ana", "--curator-out",
                dir.resolve("k2").resolve("ana.p12").toString()).exit());
        sql(home2, "DELETE FROM audit WHERE seq = (SELECT max(seq) FROM audit)");
        assertEquals(0, deid("audit", "verify", "--home", home2.toString(), "--chain-only").exit());
        DeidProcess.Result cut = deid("audit", "verify", "--home", home2.toString());
        assertEquals(1, cut.exit());
        assertTrue(cut.out().contains("cut off"), cut.out());
    }

    @Test
    void lockedReadOnlyAndFullDatabasesGiveAClearErrorAndWriteNothing() throws Exception {
        // the embedded file's own failures (a lock, a read-only or full file system), not a server's
        org.junit.jupiter.api.Assumptions.assumeFalse(TestDatabases.onPostgresql(), "SQLite file behaviour");
        Path home = dir.resolve("home");
        initWithCurator(home);
        Path ct = TestData.pydicom("CT_small.dcm");
        Map<String, String> shortWait = new HashMap<>(ENV);
        shortWait.put("DEID_JAVA_OPTS", "-Ddeid.db.busy-timeout-ms=300");
        try (Connection holder = DriverManager.getConnection("jdbc:sqlite:" + home.resolve("deid.db"));
             Statement s = holder.createStatement()) {
            s.execute("BEGIN EXCLUSIVE");
            DeidProcess.Result locked = deid(shortWait, "deidentify", "--home", home.toString(), "--out",
                    dir.resolve("o-locked").toString(), ct.toString());
            assertEquals(1, locked.exit());
            assertTrue(locked.err().contains("database is locked by another process"), locked.err());
            s.execute("ROLLBACK");
        }
        assertEquals(0, countFiles(dir.resolve("o-locked")));

        // a private mount namespace gives a tmpfs of our own: read-only, then full
        Path mount = Files.createDirectories(dir.resolve("mnt"));
        String copy = "mount -t tmpfs -o size=2m tmpfs " + mount + " && cp -a " + home + " " + mount + "/home && ";
        DeidProcess.Result readOnly = inOwnMount(copy + "mount -o remount,ro " + mount + " && ", mount, "o-ro");
        assertEquals(1, readOnly.exit(), readOnly.err());
        assertTrue(readOnly.err().contains("read-only"), readOnly.err());
        DeidProcess.Result full = inOwnMount(copy + "{ dd if=/dev/zero of=" + mount + "/filler bs=4k 2>/dev/null; true; } && ",
                mount, "o-full");
        assertEquals(1, full.exit(), full.err());
        assertTrue(full.err().contains("disk full"), full.err());
        assertEquals(0, countFiles(dir.resolve("o-ro")) + countFiles(dir.resolve("o-full")));
    }

    private DeidProcess.Result inOwnMount(String setup, Path mount, String outName) throws Exception {
        String deid = TestData.repoRoot().resolve("deid") + " deidentify --home " + mount + "/home --out " + dir.resolve(outName)
                + " " + TestData.pydicom("CT_small.dcm");
        return DeidProcess.run(dir, ENV, List.of("unshare", "-m", "bash", "-c", setup + deid));
    }

    private static void sql(Path home, String statement) throws Exception {
        try (org.deidgateway.store.Database db = TestDatabases.open(home.resolve("deid.db"))) {
            db.inTransaction(c -> {
                try (Statement s = c.createStatement()) {
                    assertNotEquals(0, s.executeUpdate(statement), statement);
                }
                return null;
            });
        }
    }

    /** The study folder (OUT/PSEUDONYM/STUDY) holding the output of a pydicom sample, found by its SOP Class. */
    private static Path studyFolderOf(Path out, String sample) throws Exception {
        String sopClass = sample.startsWith("CT") ? "1.2.840.10008.5.1.4.1.1.2" : "1.2.840.10008.5.1.4.1.1.4";
        try (Stream<Path> walk = Files.walk(out)) {
            for (Path file : walk.filter(p -> p.toString().endsWith(".dcm")).toList()) {
                if (new String(Files.readAllBytes(file), java.nio.charset.StandardCharsets.ISO_8859_1).contains(sopClass + "\0")) {
                    return file.getParent().getParent();
                }
            }
        }
        throw new AssertionError("no " + sample + " output in " + out);
    }

    private static long countFiles(Path folder) throws Exception {
        if (!Files.exists(folder)) {
            return 0;
        }
        try (Stream<Path> walk = Files.walk(folder)) {
            return walk.filter(Files::isRegularFile).count();
        }
    }
}
