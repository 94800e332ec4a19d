package org.deidgateway.pipeline;

import org.deidgateway.testsupport.TestDatabases;
import com.pixelmed.dicom.LongStringAttribute;
import com.pixelmed.dicom.PersonNameAttribute;
import com.pixelmed.dicom.TagFromName;
import com.pixelmed.dicom.UniqueIdentifierAttribute;
import org.deidgateway.config.ProjectConfig;
import org.deidgateway.deid.Deidentifier;
import org.deidgateway.deid.DeidentifierFactory;
import org.deidgateway.dicom.DicomFiles;
import org.deidgateway.dicom.DicomObject;
import org.deidgateway.metrics.GatewayMetrics;
import org.deidgateway.pseudonym.EupidStylePseudonyms;
import org.deidgateway.pseudonym.PseudonymScheme;
import org.deidgateway.receive.IntakeLog;
import org.deidgateway.store.Database;
import org.deidgateway.testsupport.Engines;
import org.deidgateway.testsupport.TestData;
import org.deidgateway.vault.CuratorKeystore;
import org.deidgateway.vault.CuratorRegistry;
import org.deidgateway.vault.IdentityVault;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Several threads de-identify the objects of new patients at once, interleaved as parallel
 * associations deliver them (real SQLite, real files). Each patient must still get one identity
 * record, one study link and one pseudonym, the outbox must list the objects in the order they
 * were received, and the keyed scheme must give exactly what one thread gives.
 */
class ParallelProcessingTest {

    private static final int PATIENTS = 6;
    private static final int PER_PATIENT = 8;
    private static final String DESTINATION = "archive";

    @TempDir
    Path dir;

    @Test
    void randomPseudonymsOnFourThreadsGiveEachNewPatientOneIdentity() throws Exception {
        for (int run = 0; run < 3; run++) {
            Result result = process(dir.resolve("eupid-" + run), 4, true);
            result.assertOneIdentityPerPatientInReceivedOrder();
        }
    }

    @Test
    void keyedPseudonymsOnFourThreadsAreWhatOneThreadGives() throws Exception {
        Result one = process(dir.resolve("one"), 1, false);
        Result four = process(dir.resolve("four"), 4, false);
        one.assertOneIdentityPerPatientInReceivedOrder();
        four.assertOneIdentityPerPatientInReceivedOrder();
        assertEquals(one.targets(), four.targets(), "the same pseudonyms and UIDs, in the same order");
    }

    private record Result(int identities, int studyLinks, List<Long> receivedIdsInOutboxOrder, List<String> targets,
                          Map<Integer, Set<String>> pseudonymsByPatient, long processed) {

        void assertOneIdentityPerPatientInReceivedOrder() {
            assertEquals(PATIENTS * PER_PATIENT, processed, "every object processed, none quarantined");
            assertEquals(PATIENTS, identities, "one identity record per patient");
            assertEquals(PATIENTS, studyLinks, "one study link per patient's study");
            for (Map.Entry<Integer, Set<String>> e : pseudonymsByPatient.entrySet()) {
                assertEquals(1, e.getValue().size(), "patient " + e.getKey() + " under " + e.getValue());
            }
            Set<String> all = new HashSet<>();
            pseudonymsByPatient.values().forEach(all::addAll);
            assertEquals(PATIENTS, all.size(), "six patients, six pseudonyms");
            List<Long> sorted = new ArrayList<>(receivedIdsInOutboxOrder);
            sorted.sort(null);
            assertEquals(sorted, receivedIdsInOutboxOrder, "queued in the order received");
        }
    }

    private Result process(Path home, int threads, boolean randomPseudonyms) throws Exception {
        Path spool = Files.createDirectories(home.resolve("spool"));
        Processor.Folders folders = new Processor.Folders(spool, home.resolve("outbox"), home.resolve("quarantine"));
        try (Database db = TestDatabases.open(home.resolve("deid.db"))) {
            IdentityVault vault = IdentityVault.open(db);
            CuratorKeystore curator = CuratorKeystore.create(home.resolve("curator.p12"), "curator-pass-1".toCharArray(),
                    "Curator One", vault.installationId());
            new CuratorRegistry(db).add("Curator One", curator.publicKey());
            PseudonymScheme scheme = randomPseudonyms ? new EupidStylePseudonyms("study", vault, new SecureRandom())
                    : PseudonymScheme.KEYED;
            Deidentifier engine = DeidentifierFactory.create("study", "STUDY", Engines.profile("pseudonymize"),
                    TestData.secret(3), scheme);
            ProjectRouter router = new ProjectRouter(List.of(new ProjectRouter.Route(
                    new ProjectConfig("study", "pseudonymize", "STUDY"), engine, true)));
            IntakeLog intake = new IntakeLog(db);
            Map<Long, Integer> patientOfReceived = receiveInterleaved(intake, spool, db);
            Processor processor = new Processor(db, folders, router, vault, List.of(DESTINATION), GatewayMetrics.inMemory());
            processor.useThreads(threads);
            try {
                while (processor.processAvailable() > 0) {
                    // the batch is at most 64 objects: one round is usually all of them
                }
            } finally {
                processor.close();
            }
            List<Long> order = new ArrayList<>();
            List<String> targets = new ArrayList<>();
            Map<Integer, Set<String>> pseudonyms = new TreeMap<>();
            db.read(c -> {
                try (PreparedStatement ps = c.prepareStatement("SELECT received_id, target_path FROM outbox ORDER BY id");
                     ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        order.add(rs.getLong(1));
                        targets.add(rs.getString(2));
                        pseudonyms.computeIfAbsent(patientOfReceived.get(rs.getLong(1)), k -> new HashSet<>())
                                .add(rs.getString(2).split("/")[0]);
                    }
                }
                return null;
            });
            for (String target : targets) {
                assertTrue(target.matches("[A-Z0-9_*~$=-]+/[0-9.]+/[0-9.]+/[0-9.]+\\.dcm"), target);
            }
            return new Result(count(db, "SELECT count(*) FROM identity"), count(db, "SELECT count(*) FROM study_link"),
                    order, targets, pseudonyms, intake.count(Processor.PROCESSED));
        }
    }

    /** Patient 1's first object, patient 2's first, ...: as six associations deliver them at once. */
    private static Map<Long, Integer> receiveInterleaved(IntakeLog intake, Path spool, Database db) throws Exception {
        Map<Long, Integer> patientOf = new TreeMap<>();
        for (int i = 0; i < PER_PATIENT; i++) {
            for (int p = 1; p <= PATIENTS; p++) {
                DicomObject object = DicomFiles.read(TestData.pydicom("CT_small.dcm"));
                put(object, new LongStringAttribute(TagFromName.PatientID), "MRN-" + p);
                put(object, new PersonNameAttribute(TagFromName.PatientName), "Parallel^Patient" + p);
                put(object, new UniqueIdentifierAttribute(TagFromName.StudyInstanceUID), "2.25.9100" + p);
                put(object, new UniqueIdentifierAttribute(TagFromName.SeriesInstanceUID), "2.25.9200" + p);
                put(object, new UniqueIdentifierAttribute(TagFromName.SOPInstanceUID), "2.25.93" + p + "00" + i);
                Path file = spool.resolve("r-" + p + "-" + i + ".dcm");
                DicomFiles.writeAtomically(object, file);
                intake.recordAll(List.of(new IntakeLog.Received(file, "PACS", "DEIDGW", "1.2.840.10008.5.1.4.1.1.2",
                        object.transferSyntaxUid(), Files.size(file))));
                long id = count(db, "SELECT max(id) FROM received");
                patientOf.put(id, p);
            }
        }
        return patientOf;
    }

    private static void put(DicomObject object, com.pixelmed.dicom.Attribute attribute, String value) throws Exception {
        attribute.addValue(value);
        object.dataset().put(attribute);
    }

    private static int count(Database db, String sql) throws Exception {
        return db.read(c -> {
            try (PreparedStatement ps = c.prepareStatement(sql); ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        });
    }
}
