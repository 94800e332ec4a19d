package org.deidgateway.forward;

import org.deidgateway.testsupport.TestDatabases;
import org.deidgateway.metrics.GatewayMetrics;
import org.deidgateway.net.AssociateRequest;
import org.deidgateway.net.Pdu;
import org.deidgateway.net.PduEncoder;
import org.deidgateway.net.PduEncoder.AcceptedContext;
import org.deidgateway.store.Database;
import org.deidgateway.testsupport.TestData;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A peer whose A-ASSOCIATE-AC answers presentation context IDs the gateway did not propose, answers
 * one twice, or uses an even one. The gateway proposes 1 (Verification) and 3 (the object's SOP
 * class). The client must abort (PS3.8 AA-8: source 2, reason 6) and the object stay queued: the
 * peer's answer says nothing about the object, so it is no dead letter.
 */
class AcceptedContextIdForwardTest {

    private static final String DESTINATION = "pacs";
    private static final String CT = "1.2.840.10008.5.1.4.1.1.2";
    /** A-ABORT body: reserved, reserved, source 2 (service provider), reason 6 (invalid PDU parameter value). */
    private static final byte[] ABORT_INVALID_PARAMETER = {0, 0, 2, 6};

    @TempDir
    Path dir;
    private Database db;
    private Outbox outbox;
    private Path outboxFiles;
    private ServerSocket server;
    /** What the peer received after its A-ASSOCIATE-AC, one PDU per association (null: the client closed). */
    private final LinkedBlockingQueue<Pdu> afterAccept = new LinkedBlockingQueue<>();

    @BeforeEach
    void open() throws Exception {
        db = TestDatabases.open(dir.resolve("deid.db"));
        outbox = new Outbox(db);
        outboxFiles = Files.createDirectories(dir.resolve("outbox"));
        enqueue();
    }

    @AfterEach
    void close() throws IOException {
        if (server != null) {
            server.close();
        }
        db.close();
    }

    @Test
    void anAnswerForAnIdThatWasNotProposedAbortsAndTheObjectStaysQueued() throws Exception {
        // the object's context answered under 5 instead of 3 (before: "no answer for it", a dead letter)
        startPeer(rq -> List.of(accepted(1, rq), new AcceptedContext(5, AcceptedContext.ACCEPTANCE, "1.2.840.10008.1.2.1")));
        assertAbortedAndStillQueued("presentation context 5, which was not proposed");
    }

    @Test
    void anIdAnsweredTwiceAbortsAndTheObjectStaysQueued() throws Exception {
        // refused, then accepted (before: the refusal counted, a dead letter)
        startPeer(rq -> List.of(accepted(1, rq), new AcceptedContext(3, AcceptedContext.ABSTRACT_SYNTAX_NOT_SUPPORTED, null),
                accepted(3, rq)));
        assertAbortedAndStillQueued("presentation context 3 twice");
    }

    @Test
    void anEvenIdAbortsAndTheObjectStaysQueued() throws Exception {
        startPeer(rq -> List.of(accepted(1, rq), accepted(3, rq), new AcceptedContext(4, AcceptedContext.ACCEPTANCE,
                "1.2.840.10008.1.2.1")));
        assertAbortedAndStillQueued("presentation context ID 4");
    }

    private void assertAbortedAndStillQueued(String reason) throws Exception {
        Forwarder forwarder = new Forwarder(DESTINATION, new DicomChannel(destination()), outbox, outboxFiles,
                GatewayMetrics.inMemory());
        assertEquals(0, forwarder.deliverDue());
        Pdu answer = afterAccept.poll(10, TimeUnit.SECONDS);
        assertNotNull(answer, "the peer heard nothing after its A-ASSOCIATE-AC");
        assertEquals(Pdu.ABORT, answer.type(), "A-ABORT, not PDU type " + answer.type());
        assertArrayEquals(ABORT_INVALID_PARAMETER, answer.body(), "service provider, invalid PDU parameter value");
        assertEquals(1, outbox.count(Outbox.PENDING), "still queued");
        assertEquals(0, outbox.count(Outbox.DEAD), "no dead letter");
        assertEquals(0, outbox.count(Outbox.DELIVERED));
        assertTrue(Files.exists(outboxFiles.resolve("1.dcm")), "the copy is kept for the next attempt");
        String error = lastError();
        assertTrue(error.contains("broke the DICOM protocol") && error.contains(reason), error);
    }

    private static AcceptedContext accepted(int id, AssociateRequest request) {
        for (AssociateRequest.ProposedContext c : request.contexts()) {
            if (c.id() == id) {
                return new AcceptedContext(id, AcceptedContext.ACCEPTANCE, c.transferSyntaxes().get(0));
            }
        }
        throw new IllegalStateException("the gateway did not propose " + id);
    }

    private Destination destination() {
        return new Destination("127.0.0.1", server.getLocalPort(), "PACS", "DEIDGW", Duration.ofSeconds(2),
                Duration.ofSeconds(5));
    }

    /** Answers each association request with {@code answer}'s contexts, then notes the next PDU and hangs up. */
    private void startPeer(Function<AssociateRequest, List<AcceptedContext>> answer) throws IOException {
        server = new ServerSocket(0, 4, InetAddress.getLoopbackAddress());
        Thread peer = new Thread(() -> {
            while (!server.isClosed()) {
                try (Socket s = server.accept()) {
                    s.setSoTimeout(5000);
                    InputStream in = s.getInputStream();
                    AssociateRequest request = AssociateRequest.parse(Pdu.read(in, 1 << 16).body());
                    s.getOutputStream().write(PduEncoder.associateAccept(request, answer.apply(request), 16384, "1.2.3",
                            "FAKE"));
                    s.getOutputStream().flush();
                    Pdu next = Pdu.read(in, 1 << 20);
                    afterAccept.add(next == null ? new Pdu(-1, new byte[0]) : next);
                } catch (Exception e) {
                    // the test closes the server under this thread
                }
            }
        }, "fake-scp");
        peer.setDaemon(true);
        peer.start();
    }

    /** One CT object in the outbox, as the processor leaves it: file 1.dcm, a pending row. */
    private void enqueue() throws Exception {
        Files.copy(TestData.pydicom("CT_small.dcm"), outboxFiles.resolve("1.dcm"));
        long received = db.inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO received(spool_file, calling_ae, called_ae,"
                    + " sop_class_uid, transfer_syntax_uid, size, received_at) VALUES ('a.dcm', 'PACS', 'DEIDGW', '" + CT
                    + "', '1.2.840.10008.1.2.1', 1, '2024-01-01T00:00:00Z')", Statement.RETURN_GENERATED_KEYS)) {
                ps.executeUpdate();
                try (ResultSet keys = ps.getGeneratedKeys()) {
                    keys.next();
                    return keys.getLong(1);
                }
            }
        });
        db.inTransaction(c -> {
            Outbox.add(c, received, List.of(DESTINATION), "1.dcm", "P/S/E/1.dcm");
            return null;
        });
    }

    private String lastError() throws Exception {
        return db.read(c -> {
            List<String> errors = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT last_error FROM outbox");
                 ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    errors.add(rs.getString(1));
                }
            }
            return String.join("\n", errors);
        });
    }
}
