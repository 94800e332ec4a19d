package org.deidgateway.forward;

import org.deidgateway.testsupport.TestDatabases;
import com.pixelmed.dicom.UniqueIdentifierAttribute;
import com.pixelmed.dicom.TagFromName;
import org.deidgateway.dicom.DicomFiles;
import org.deidgateway.dicom.DicomObject;
import org.deidgateway.forward.StowRsServer.Reply;
import org.deidgateway.metrics.GatewayMetrics;
import org.deidgateway.store.Database;
import org.deidgateway.testsupport.TestData;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The forwarder with a STOW-RS channel, on a real outbox: how due entries are cut into requests,
 * and what each answer does to the queue (delivered, retried, dead letter with the peer's reason).
 */
class StowRsForwardTest {

    private static final String DESTINATION = "repository";

    @TempDir
    Path dir;
    private Database db;
    private Outbox outbox;
    private Path outboxFiles;
    private StowRsServer server;
    private int enqueued;

    @BeforeEach
    void open() throws Exception {
        db = TestDatabases.open(dir.resolve("deid.db"));
        outbox = new Outbox(db);
        outboxFiles = Files.createDirectories(dir.resolve("outbox"));
        server = StowRsServer.http();
    }

    @AfterEach
    void close() {
        server.close();
        db.close();
    }

    @Test
    void sixtyObjectsGoInRequestsOfAtMost25AndEachArrivesOnce() throws Exception {
        List<String> uids = enqueue(60);
        Forwarder forwarder = forwarder(BatchLimits.STOW_RS_DEFAULT);
        assertEquals(60, forwarder.deliverDue());
        assertEquals(List.of(25, 25, 10), partsPerRequest());
        assertEquals(uids, received(), "each object once, oldest first");
        assertEquals(60, outbox.count(Outbox.DELIVERED));
        assertEquals(0, outbox.count(Outbox.PENDING));
        try (var left = Files.list(outboxFiles)) {
            assertEquals(0, left.count(), "delivered files are deleted");
        }
    }

    @Test
    void theByteBoundCutsBatchesAndALargerObjectGoesAlone() throws Exception {
        enqueue(7);
        long size = Files.size(outboxFiles.resolve("1.dcm"));
        // room for two objects per request (not three)
        assertEquals(7, forwarder(new BatchLimits(25, 2 * size + size / 2)).deliverDue());
        assertEquals(List.of(2, 2, 2, 1), partsPerRequest());
        enqueue(3);
        assertEquals(3, forwarder(new BatchLimits(25, size / 2)).deliverDue());
        assertEquals(List.of(2, 2, 2, 1, 1, 1, 1), partsPerRequest());
    }

    @Test
    void a503IsRetriedAfterTheBackOffAndEveryObjectIsStoredOnce() throws Exception {
        List<String> uids = enqueue(30);
        AtomicInteger calls = new AtomicInteger();
        server.respond(r -> calls.incrementAndGet() == 1 ? Reply.of(503) : Reply.of(200));
        Forwarder forwarder = forwarder(BatchLimits.STOW_RS_DEFAULT);
        assertEquals(0, forwarder.deliverDue());
        assertEquals(1, server.requests().size(), "the round stops after a transient failure");
        assertEquals(30, outbox.count(Outbox.PENDING));
        assertEquals(0, forwarder.deliverDue(), "the destination pauses (1 s after the first failure)");
        assertEquals(1, server.requests().size());
        long deadline = System.currentTimeMillis() + 15_000;
        int delivered = 0;
        while (delivered < 30 && System.currentTimeMillis() < deadline) {
            delivered += forwarder.deliverDue();
            Thread.sleep(100);
        }
        assertEquals(30, delivered);
        assertEquals(30, outbox.count(Outbox.DELIVERED));
        // stored: what was in the requests answered 200, each exactly once
        List<String> stored = received().subList(25, 55);
        assertEquals(uids, stored);
        assertEquals(2, attempts().get(uids.get(0)), "the first batch was tried twice");
        assertEquals(1, attempts().get(uids.get(29)));
    }

    @Test
    void refusedCredentialsMakeNoDeadLetterAndTheObjectsGoOnceFixed() throws Exception {
        List<String> uids = enqueue(3);
        AtomicInteger calls = new AtomicInteger();
        // the token is wrong until "IT fixes it"
        server.respond(r -> calls.incrementAndGet() <= 2 ? Reply.of(401) : Reply.of(200));
        Forwarder forwarder = forwarder(BatchLimits.STOW_RS_DEFAULT);
        long deadline = System.currentTimeMillis() + 15_000;
        int delivered = 0;
        while (delivered < 3 && System.currentTimeMillis() < deadline) {
            delivered += forwarder.deliverDue();
            assertEquals(0, outbox.count(Outbox.DEAD), "a configuration error is no dead letter");
            Thread.sleep(100);
        }
        assertEquals(3, delivered);
        assertEquals(3, server.requests().size(), "two refused, then one that stored all three");
        assertEquals(uids, received().subList(6, 9));
    }

    @Test
    void a202DeadLettersOnlyTheRefusedInstancesWithTheirReason() throws Exception {
        List<String> uids = enqueue(5);
        server.respond(r -> Reply.json(202, "{\"00081199\":{\"vr\":\"SQ\",\"Value\":["
                + String.join(",", List.of(StowRsChannelTest.referenced(uids.get(0)), StowRsChannelTest.referenced(uids.get(1)),
                StowRsChannelTest.referenced(uids.get(3)), StowRsChannelTest.referenced(uids.get(4)))) + "]},"
                + "\"00081198\":{\"vr\":\"SQ\",\"Value\":[" + StowRsChannelTest.failed(uids.get(2), 0xA900) + "]}}"));
        assertEquals(4, forwarder(BatchLimits.STOW_RS_DEFAULT).deliverDue());
        assertEquals(4, outbox.count(Outbox.DELIVERED));
        assertEquals(1, outbox.count(Outbox.DEAD));
        Map<String, String> errors = lastErrors();
        assertEquals("127.0.0.1:" + server.port() + " refused instance " + uids.get(2)
                + ": failure reason 0xA900 (failure, permanent)", errors.get(uids.get(2)));
        assertEquals(1, errors.size());
        assertTrue(Files.exists(outboxFiles.resolve("3.dcm")), "a dead letter keeps its file for `deid queue retry`");
        assertFalse(Files.exists(outboxFiles.resolve("1.dcm")));
    }

    @Test
    void a409DeadLettersTheWholeBatch() throws Exception {
        enqueue(3);
        server.respond(r -> Reply.of(409));
        assertEquals(0, forwarder(BatchLimits.STOW_RS_DEFAULT).deliverDue());
        assertEquals(3, outbox.count(Outbox.DEAD));
        assertEquals(1, server.requests().size());
    }

    private Forwarder forwarder(BatchLimits limits) {
        return new Forwarder(DESTINATION, new StowRsChannel(StowRsEndpoint.of(server.uri()).withLimits(limits), null), outbox,
                outboxFiles, GatewayMetrics.inMemory());
    }

    private List<Integer> partsPerRequest() {
        return server.requests().stream().map(r -> r.parts().size()).toList();
    }

    /** The SOP instance UIDs of every part received, in order (across requests). */
    private List<String> received() throws Exception {
        List<String> uids = new ArrayList<>();
        for (StowRsServer.Request request : server.requests()) {
            for (StowRsServer.Part part : request.parts()) {
                Path copy = Files.write(dir.resolve("part.dcm"), part.bytes());
                uids.add(Part10Header.read(copy).sopInstanceUid());
            }
        }
        return uids;
    }

    /** N more objects in the outbox, files numbered on from 1.dcm, each its own SOP instance; returns their UIDs. */
    private List<String> enqueue(int n) throws Exception {
        List<String> uids = new ArrayList<>();
        for (int k = 0; k < n; k++) {
            int i = ++enqueued;
            DicomObject object = DicomFiles.read(TestData.pydicom("CT_small.dcm"));
            String uid = "2.25." + (1000 + i);
            UniqueIdentifierAttribute sop = new UniqueIdentifierAttribute(TagFromName.SOPInstanceUID);
            sop.addValue(uid);
            object.dataset().put(sop);
            String file = i + ".dcm";
            DicomFiles.writeAtomically(object, outboxFiles.resolve(file));
            long received = db.inTransaction(c -> {
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO received(spool_file, calling_ae, called_ae,"
                        + " sop_class_uid, transfer_syntax_uid, size, received_at) VALUES (?, 'PACS', 'DEIDGW',"
                        + " '1.2.840.10008.5.1.4.1.1.2', '1.2.840.10008.1.2.1', 1, '2024-01-01T00:00:00Z')",
                        Statement.RETURN_GENERATED_KEYS)) {
                    ps.setString(1, "spool-" + uid);
                    ps.executeUpdate();
                    try (ResultSet keys = ps.getGeneratedKeys()) {
                        keys.next();
                        return keys.getLong(1);
                    }
                }
            });
            db.inTransaction(c -> {
                Outbox.add(c, received, List.of(DESTINATION), file, "P/S/E/" + uid + ".dcm");
                return null;
            });
            uids.add(uid);
        }
        return uids;
    }

    /** Attempts per SOP instance UID (read back from the target path). */
    private Map<String, Integer> attempts() throws Exception {
        Map<String, Integer> attempts = new HashMap<>();
        for (Map.Entry<String, Object[]> row : rows().entrySet()) {
            attempts.put(row.getKey(), (Integer) row.getValue()[0]);
        }
        return attempts;
    }

    private Map<String, String> lastErrors() throws Exception {
        Map<String, String> errors = new LinkedHashMap<>();
        for (Map.Entry<String, Object[]> row : rows().entrySet()) {
            if (row.getValue()[1] != null) {
                errors.put(row.getKey(), (String) row.getValue()[1]);
            }
        }
        return errors;
    }

    private Map<String, Object[]> rows() throws Exception {
        return db.read(c -> {
            Map<String, Object[]> rows = new LinkedHashMap<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT target_path, attempts, last_error FROM outbox ORDER BY id");
                 ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String uid = rs.getString(1).replaceAll("^.*/(.*)\\.dcm$", "$1");
                    rows.put(uid, new Object[] {rs.getInt(2), rs.getString(3)});
                }
            }
            return rows;
        });
    }
}
