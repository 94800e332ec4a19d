package org.deidgateway.forward;

import org.deidgateway.testsupport.TestDatabases;
import com.pixelmed.dicom.TagFromName;
import com.pixelmed.dicom.UniqueIdentifierAttribute;
import org.deidgateway.dicom.DicomFiles;
import org.deidgateway.dicom.DicomObject;
import org.deidgateway.metrics.GatewayMetrics;
import org.deidgateway.receive.IntakeLog;
import org.deidgateway.store.Database;
import org.deidgateway.testsupport.TestData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code destinations.NAME.associations: 3}: three forwarders of one destination, each on its own
 * association to a real storescp (--fork, one process per association), over a real SQLite outbox.
 * Every object arrives once, the three associations are used, and each study arrives in the order
 * it was queued, because a study is always in one lane.
 */
class LanesForwardTest {

    private static final int LANES = 3;
    private static final int PER_STUDY = 6;

    @TempDir
    Path temp;

    @Test
    void eachStudyGoesThroughOneLaneAndEveryDueEntryIsInExactlyOne() throws Exception {
        try (Database db = TestDatabases.open(temp.resolve("deid.db"))) {
            Map<String, List<Long>> studies = queue(db, studiesFillingEveryLane(5));
            Outbox outbox = new Outbox(db);
            Set<Long> seen = new HashSet<>();
            for (int lane = 0; lane < LANES; lane++) {
                Set<String> studiesOfLane = new HashSet<>();
                List<Outbox.Entry> due = outbox.due("archive", new Outbox.Lane(lane, LANES), 1000);
                assertTrue(!due.isEmpty(), "lane " + lane + " has work");
                long previous = -1;
                for (Outbox.Entry e : due) {
                    assertTrue(seen.add(e.id()), "entry " + e.id() + " in two lanes");
                    assertTrue(e.id() > previous, "oldest first");
                    previous = e.id();
                    studiesOfLane.add(e.targetPath().split("/")[1]);
                }
                for (String study : studiesOfLane) {
                    assertEquals(PER_STUDY, due.stream().filter(e -> e.targetPath().split("/")[1].equals(study)).count(),
                            "all of study " + study + " in lane " + lane);
                }
            }
            assertEquals(studies.size() * PER_STUDY, seen.size(), "every entry in one lane");
            assertEquals(seen.size(), outbox.due("archive", 1000).size(), "one lane of one is the whole outbox");
        }
    }

    @Test
    void threeAssociationsDeliverEveryObjectOnceAndEachStudyInOrder() throws Exception {
        Path received = Files.createDirectories(temp.resolve("received"));
        try (Database db = TestDatabases.open(temp.resolve("deid.db"));
             Storescp storescp = Storescp.start(received, temp.resolve("storescp.log"), "--fork", "+xa", "-d")) {
            List<String> studyUids = studiesFillingEveryLane(4);
            Map<String, List<Long>> queued = queue(db, studyUids);
            Outbox outbox = new Outbox(db);
            List<Forwarder> forwarders = new ArrayList<>();
            List<Thread> threads = new ArrayList<>();
            for (int lane = 0; lane < LANES; lane++) {
                Forwarder f = new Forwarder("archive", new Outbox.Lane(lane, LANES), new DicomChannel(new Destination(
                        "127.0.0.1", storescp.port(), "STORESCP", "DEIDGW", Duration.ofSeconds(5), Duration.ofSeconds(10))),
                        outbox, temp.resolve("outbox"), null, org.deidgateway.store.FileRecycler.NONE,
                        GatewayMetrics.inMemory());
                forwarders.add(f);
                Thread t = new Thread(f, "forward-archive-" + (lane + 1));
                threads.add(t);
                t.start();
            }
            int total = studyUids.size() * PER_STUDY;
            long deadline = System.currentTimeMillis() + 30_000;
            while (outbox.count(Outbox.DELIVERED) < total && System.currentTimeMillis() < deadline) {
                Thread.sleep(50);
            }
            forwarders.forEach(Forwarder::stop);
            for (Thread t : threads) {
                t.join(10_000);
            }
            assertEquals(total, outbox.count(Outbox.DELIVERED), storescp.log());
            try (var files = Files.list(received)) {
                assertEquals(total, files.count(), "each object once");
            }
            String log = storescp.log();
            assertEquals(LANES, log.lines().filter(l -> l.contains("Association Acknowledged")).count(), log);
            // each association is a child process logging in its own order (-d names each file it stores); one
            // study is on one of them
            List<String> storedInOrder = new ArrayList<>();
            Matcher m = Pattern.compile("storing DICOM file: \\S*?\\.(2\\.25\\.[0-9.]+)").matcher(log);
            while (m.find()) {
                storedInOrder.add(m.group(1));
            }
            assertEquals(total, storedInOrder.size(), log);
            for (String study : studyUids) {
                List<String> expected = new ArrayList<>();
                for (int i = 0; i < PER_STUDY; i++) {
                    expected.add(sopUid(study, i));
                }
                List<String> arrived = storedInOrder.stream().filter(expected::contains).toList();
                assertEquals(expected, arrived, "study " + study + " in the order queued");
            }
        }
    }

    /** Study UIDs, {@code count} of them, such that each of the three lanes gets at least one. */
    private static List<String> studiesFillingEveryLane(int count) {
        List<String> uids = new ArrayList<>();
        Set<Long> lanes = new HashSet<>();
        for (int n = 1; uids.size() < count; n++) {
            String uid = "2.25.4" + n;
            boolean newLane = !lanes.contains(Outbox.Lane.keyOf("P/" + uid + "/S/X.dcm") % LANES);
            int lanesStillEmpty = LANES - lanes.size();
            // a study of a lane already used only while there is room left for the empty lanes
            if (newLane || uids.size() < count - lanesStillEmpty) {
                lanes.add(Outbox.Lane.keyOf("P/" + uid + "/S/X.dcm") % LANES);
                uids.add(uid);
            }
        }
        return uids;
    }

    private static String sopUid(String study, int i) {
        return study + ".7." + i;
    }

    /** PER_STUDY objects per study, queued interleaved (one of each study, then the next). */
    private Map<String, List<Long>> queue(Database db, List<String> studyUids) throws Exception {
        Path outboxFiles = Files.createDirectories(temp.resolve("outbox"));
        IntakeLog intake = new IntakeLog(db);
        Map<String, List<Long>> ids = new LinkedHashMap<>();
        for (int i = 0; i < PER_STUDY; i++) {
            int index = i;
            for (String study : studyUids) {
                DicomObject object = DicomFiles.read(TestData.pydicom("CT_small.dcm"));
                UniqueIdentifierAttribute studyUid = new UniqueIdentifierAttribute(TagFromName.StudyInstanceUID);
                studyUid.addValue(study);
                object.dataset().put(studyUid);
                UniqueIdentifierAttribute sop = new UniqueIdentifierAttribute(TagFromName.SOPInstanceUID);
                sop.addValue(sopUid(study, i));
                object.dataset().put(sop);
                String name = "o-" + ids.values().stream().mapToInt(List::size).sum() + ".dcm";
                Path file = outboxFiles.resolve(name);
                DicomFiles.writeAtomically(object, file);
                intake.recordAll(List.of(new IntakeLog.Received(file, "PACS", "DEIDGW", "1.2.840.10008.5.1.4.1.1.2",
                        object.transferSyntaxUid(), Files.size(file))));
                long receivedId = db.read(c -> {
                    try (PreparedStatement ps = c.prepareStatement("SELECT max(id) FROM received");
                         ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        return rs.getLong(1);
                    }
                });
                db.inTransaction(c -> {
                    Outbox.add(c, receivedId, List.of("archive"), name, "P/" + study + "/S/" + sopUid(study, index) + ".dcm");
                    return null;
                });
                ids.computeIfAbsent(study, k -> new ArrayList<>()).add(receivedId);
            }
        }
        return ids;
    }
}
