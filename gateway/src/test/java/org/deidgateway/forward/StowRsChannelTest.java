package org.deidgateway.forward;

import org.deidgateway.forward.BatchDeliveryChannel.Item;
import org.deidgateway.forward.BatchDeliveryChannel.Outcome;
import org.deidgateway.forward.BatchDeliveryChannel.Result;
import org.deidgateway.forward.StowRsServer.Reply;
import org.deidgateway.testsupport.TestData;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The STOW-RS channel against a JDK HTTP(S) server on loopback: the request it makes and what each answer means. */
class StowRsChannelTest {

    private static final List<String> FILES = List.of("CT_small.dcm", "MR_small.dcm", "JPEG2000.dcm");

    @TempDir
    Path temp;
    private StowRsServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void aBatchIsOneMultipartRequestWhosePartsAreTheFilesByteForByte() throws Exception {
        server = StowRsServer.http();
        List<Outcome> outcomes = channel(server.uri()).deliverAll(items(FILES));
        assertEquals(List.of(Outcome.DELIVERED, Outcome.DELIVERED, Outcome.DELIVERED), outcomes);
        assertEquals(List.of(), server.malformed);
        assertEquals(1, server.requests().size());
        StowRsServer.Request request = server.requests().get(0);
        assertEquals("POST", request.method());
        assertEquals("/dicom-web/studies", request.path());
        String contentType = request.header("Content-Type");
        assertTrue(contentType.matches("multipart/related; type=\"application/dicom\"; boundary=deid-[0-9a-f]{32}"), contentType);
        assertEquals("application/dicom+json", request.header("Accept"));
        long total = 0;
        for (Path file : files(FILES)) {
            total += Files.size(file);
        }
        // streamed from the files, yet with a length known in advance: no chunked encoding
        assertNull(request.header("Transfer-Encoding"));
        assertTrue(Long.parseLong(request.header("Content-Length")) > total);
        assertEquals(3, request.parts().size());
        for (int i = 0; i < FILES.size(); i++) {
            StowRsServer.Part part = request.parts().get(i);
            assertEquals("Content-Type: application/dicom", part.headers());
            assertArrayEquals(Files.readAllBytes(TestData.pydicom(FILES.get(i))), part.bytes(), FILES.get(i));
        }
    }

    @Test
    void itSpeaksHttp11AndNeverOffersAnUpgradeToHttp2() throws Exception {
        server = StowRsServer.http();
        channel(server.uri()).deliverAll(items(List.of("CT_small.dcm")));
        StowRsServer.Request request = server.requests().get(0);
        assertNull(request.header("Upgrade"), "an h2c upgrade was offered");
        assertNull(request.header("HTTP2-Settings"));
    }

    @Test
    void a202SaysWhichInstancesFailedAndWhy() throws Exception {
        server = StowRsServer.http();
        List<String> uids = uids(FILES);
        // CT stored; MR refused for good (0xA900 = 43264); JPEG 2000 out of resources (0xA700 = 42752): worth another try
        server.respond(r -> Reply.json(202, "{\"00081199\":{\"vr\":\"SQ\",\"Value\":[" + referenced(uids.get(0)) + "]},"
                + "\"00081198\":{\"vr\":\"SQ\",\"Value\":[" + failed(uids.get(1), 43264) + "," + failed(uids.get(2), 42752) + "]}}"));
        List<Outcome> outcomes = channel(server.uri()).deliverAll(items(FILES));
        assertEquals(Outcome.DELIVERED, outcomes.get(0));
        assertEquals(Result.PERMANENT_FAILURE, outcomes.get(1).result());
        assertEquals("127.0.0.1:" + server.port() + " refused instance " + uids.get(1)
                + ": failure reason 0xA900 (failure, permanent)", outcomes.get(1).reason());
        assertEquals(Result.TRANSIENT_FAILURE, outcomes.get(2).result());
        assertTrue(outcomes.get(2).reason().endsWith("0xA700 (failure, transient)"), outcomes.get(2).reason());
    }

    @Test
    void a202InXmlIsReadToo() throws Exception {
        server = StowRsServer.http();
        List<String> uids = uids(FILES.subList(0, 2));
        server.respond(r -> new Reply(202, "application/dicom+xml", "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                + "<NativeDicomModel xml:space=\"preserve\">"
                + "<DicomAttribute tag=\"00081199\" vr=\"SQ\"><Item number=\"1\">"
                + "<DicomAttribute tag=\"00081155\" vr=\"UI\"><Value number=\"1\">" + uids.get(0) + "</Value></DicomAttribute>"
                + "</Item></DicomAttribute>"
                + "<DicomAttribute tag=\"00081198\" vr=\"SQ\"><Item number=\"1\">"
                + "<DicomAttribute tag=\"00081155\" vr=\"UI\"><Value number=\"1\">" + uids.get(1) + "</Value></DicomAttribute>"
                + "<DicomAttribute tag=\"00081197\" vr=\"US\"><Value number=\"1\">290</Value></DicomAttribute>"
                + "</Item></DicomAttribute></NativeDicomModel>", java.util.Map.of(), false));
        List<Outcome> outcomes = channel(server.uri()).deliverAll(items(FILES.subList(0, 2)));
        assertEquals(Outcome.DELIVERED, outcomes.get(0));
        assertEquals(Result.PERMANENT_FAILURE, outcomes.get(1).result());
        assertTrue(outcomes.get(1).reason().contains("failure reason 0x0122"), outcomes.get(1).reason());
    }

    @Test
    void a409WithoutDetailsRefusesEveryInstanceForGood() throws Exception {
        server = StowRsServer.http();
        server.respond(r -> Reply.of(409));
        List<Outcome> outcomes = channel(server.uri()).deliverAll(items(FILES));
        for (Outcome outcome : outcomes) {
            assertEquals(Result.PERMANENT_FAILURE, outcome.result());
            assertEquals("127.0.0.1:" + server.port() + " answered HTTP 409 Conflict: the repository refused the instances "
                    + "(conflict) without saying which or why", outcome.reason());
        }
        assertEquals(1, server.requests().size());
    }

    @Test
    void a409ListingTheRefusedInstancesRefusesThoseAndKeepsTheStored() throws Exception {
        server = StowRsServer.http();
        List<String> uids = uids(FILES.subList(0, 2));
        server.respond(r -> Reply.json(409, "{\"00081199\":{\"vr\":\"SQ\",\"Value\":[" + referenced(uids.get(0)) + "]},"
                + "\"00081198\":{\"vr\":\"SQ\",\"Value\":[" + failed(uids.get(1), 0xC000) + "]}}"));
        List<Outcome> outcomes = channel(server.uri()).deliverAll(items(FILES.subList(0, 2)));
        assertEquals(Outcome.DELIVERED, outcomes.get(0));
        assertTrue(outcomes.get(1).reason().endsWith("failure reason 0xC000 (failure, permanent)"), outcomes.get(1).reason());
    }

    @Test
    void a400ForAWholeBatchIsTriedAgainObjectByObject() throws Exception {
        server = StowRsServer.http();
        byte[] refused = Files.readAllBytes(TestData.pydicom("MR_small.dcm"));
        server.respond(r -> r.parts().size() > 1 || java.util.Arrays.equals(r.parts().get(0).bytes(), refused)
                ? Reply.of(400) : Reply.of(200));
        List<Outcome> outcomes = channel(server.uri()).deliverAll(items(FILES));
        assertEquals(Outcome.DELIVERED, outcomes.get(0));
        assertEquals(Outcome.permanent("127.0.0.1:" + server.port() + " answered HTTP 400 Bad Request"), outcomes.get(1));
        assertEquals(Outcome.DELIVERED, outcomes.get(2));
        assertEquals(List.of(3, 1, 1, 1), server.requests().stream().map(r -> r.parts().size()).toList());
    }

    @Test
    void orthancs400ListingTheStoredInstancesKeepsThemAndRefusesTheRest() throws Exception {
        // Orthanc 1.10's DICOMweb plugin answers 400 when one part is not DICOM, listing the others as stored
        server = StowRsServer.http();
        List<String> uids = uids(FILES.subList(0, 2));
        server.respond(r -> Reply.json(400, "{\"00081198\":{\"vr\":\"SQ\"},\"00081199\":{\"vr\":\"SQ\",\"Value\":["
                + referenced(uids.get(0)) + "]}}"));
        List<Outcome> outcomes = channel(server.uri()).deliverAll(items(FILES.subList(0, 2)));
        assertEquals(Outcome.DELIVERED, outcomes.get(0));
        assertEquals(Outcome.permanent("127.0.0.1:" + server.port() + " answered HTTP 400 Bad Request not mentioning instance "
                + uids.get(1)), outcomes.get(1));
        assertEquals(1, server.requests().size());
    }

    @Test
    void busyOrDownIsTransientAndRetryAfterIsKept() throws Exception {
        server = StowRsServer.http();
        server.respond(r -> Reply.of(503).withHeader("Retry-After", "7"));
        Outcome outcome = channel(server.uri()).deliverAll(items(FILES.subList(0, 1))).get(0);
        assertEquals(Outcome.transientFailure("127.0.0.1:" + server.port() + " answered HTTP 503 Service Unavailable",
                Duration.ofSeconds(7)), outcome);
        server.respond(r -> Reply.of(429));
        assertEquals(Result.TRANSIENT_FAILURE, channel(server.uri()).deliverAll(items(FILES.subList(0, 1))).get(0).result());
        server.respond(r -> Reply.of(408));
        assertEquals(Result.TRANSIENT_FAILURE, channel(server.uri()).deliverAll(items(FILES.subList(0, 1))).get(0).result());
    }

    @Test
    void retryAfterIsReadAsSecondsOrAsAnHttpDate() {
        java.time.Instant now = java.time.Instant.parse("2026-01-01T10:00:00Z");
        assertEquals(Duration.ofSeconds(120), StowRsOutcomes.retryAfter("120", now));
        assertEquals(Duration.ofSeconds(90), StowRsOutcomes.retryAfter("Thu, 01 Jan 2026 10:01:30 GMT", now));
        assertEquals(Duration.ZERO, StowRsOutcomes.retryAfter("Thu, 01 Jan 2026 09:00:00 GMT", now), "in the past");
        assertEquals(Duration.ZERO, StowRsOutcomes.retryAfter("soon", now));
        assertEquals(Duration.ZERO, StowRsOutcomes.retryAfter(null, now));
    }

    @Test
    void refusedCredentialsKeepTheObjectsQueuedAndSayWhatToCheck() throws Exception {
        server = StowRsServer.http();
        server.respond(r -> Reply.of(401));
        Outcome outcome = channel(server.uri()).deliverAll(items(FILES.subList(0, 1))).get(0);
        // like a DICOM destination that rejects the association: the configuration is wrong, not the object
        assertEquals(Result.TRANSIENT_FAILURE, outcome.result());
        assertTrue(outcome.reason().startsWith("127.0.0.1:" + server.port() + " answered HTTP 401 Unauthorized: the "
                + "destination wants credentials, or refuses the gateway's (check auth and auth-env"), outcome.reason());
        assertTrue(outcome.reason().endsWith("configuration error, not a fault of the objects: they stay queued and are sent"
                + " once it is fixed"), outcome.reason());
        server.respond(r -> Reply.of(404));
        assertTrue(channel(server.uri()).deliverAll(items(FILES.subList(0, 1))).get(0).reason()
                .contains("no STOW-RS service at " + server.uri()));
    }

    @Test
    void aServerThatNeverAnswersIsGivenUpAfterTheTimeout() throws Exception {
        server = StowRsServer.http();
        server.respond(r -> Reply.stall());
        StowRsChannel channel = new StowRsChannel(StowRsEndpoint.of(server.uri())
                .withTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(1)), null);
        Outcome outcome = assertTimeoutPreemptively(Duration.ofSeconds(15), () -> channel.deliverAll(items(FILES)).get(0));
        assertEquals(Result.TRANSIENT_FAILURE, outcome.result());
        assertEquals("127.0.0.1:" + server.port() + ": no response within 1 s (plus the upload time)", outcome.reason());
    }

    @Test
    void nothingListeningIsTransient() throws Exception {
        int port = Storescp.freePort();
        Outcome outcome = channel(URI.create("http://127.0.0.1:" + port + "/studies")).deliverAll(items(FILES)).get(0);
        assertEquals(Outcome.transientFailure("cannot connect to 127.0.0.1:" + port + ": connection refused (nothing listening?)",
                Duration.ZERO), outcome);
    }

    @Test
    void aMissingOrMalformedFileIsRefusedAndTheOthersGoWithoutIt() throws Exception {
        server = StowRsServer.http();
        Path notDicom = Files.writeString(temp.resolve("7.dcm"), "not DICOM");
        List<Item> items = List.of(new Item(temp.resolve("gone.dcm"), "P/S/E/gone.dcm"), new Item(notDicom, "P/S/E/7.dcm"),
                new Item(TestData.pydicom("CT_small.dcm"), "P/S/E/1.dcm"));
        List<Outcome> outcomes = channel(server.uri()).deliverAll(items);
        assertEquals(Outcome.permanent("the de-identified file gone.dcm is missing from the outbox"), outcomes.get(0));
        assertEquals(Result.PERMANENT_FAILURE, outcomes.get(1).result());
        assertTrue(outcomes.get(1).reason().contains("not a DICOM Part 10 file"), outcomes.get(1).reason());
        assertEquals(Outcome.DELIVERED, outcomes.get(2));
        assertEquals(1, server.requests().get(0).parts().size());
    }

    @Test
    void httpsWithTheServersCertificateTrustedCarriesTheBatchAndTheBearerToken() throws Exception {
        TestCertificates certificates = TestCertificates.selfSigned("stow-rs test server");
        server = StowRsServer.https(certificates.serverContext());
        StowRsChannel channel = new StowRsChannel(StowRsEndpoint.of(server.uri())
                .withAuthorization(StowRsEndpoint.bearer("s3cret-token")), certificates.trustingContext());
        assertEquals(List.of(Outcome.DELIVERED, Outcome.DELIVERED, Outcome.DELIVERED), channel.deliverAll(items(FILES)));
        StowRsServer.Request request = server.requests().get(0);
        assertEquals("Bearer s3cret-token", request.header("Authorization"));
        assertArrayEquals(Files.readAllBytes(TestData.pydicom("JPEG2000.dcm")), request.parts().get(2).bytes());
        assertEquals(server.uri() + " (with credentials)", channel.endpoint().toString(), "the token never shows");
    }

    @Test
    void httpsWithAnUntrustedCertificateFailsClearlyAndSendsNothing() throws Exception {
        TestCertificates certificates = TestCertificates.selfSigned("stow-rs test server");
        server = StowRsServer.https(certificates.serverContext());
        // null: the JDK's default trust store, which does not know this certificate
        Outcome outcome = new StowRsChannel(StowRsEndpoint.of(server.uri()), null).deliverAll(items(FILES)).get(0);
        assertEquals(Outcome.transientFailure("127.0.0.1:" + server.port() + ": TLS handshake failed: the server's "
                + "certificate is not trusted (its issuer is not in the gateway's trust store)", Duration.ZERO), outcome);
        TestCertificates other = TestCertificates.selfSigned("someone else");
        assertEquals(outcome, new StowRsChannel(StowRsEndpoint.of(server.uri()), other.trustingContext())
                .deliverAll(items(FILES)).get(0));
        assertEquals(List.of(), server.requests());
    }

    @Test
    void httpsFollowsTheGatewaysTlsPolicyNotTheRuntimesDefaults() throws Exception {
        TestCertificates certificates = TestCertificates.selfSigned("stow-rs test server");
        // a CBC suite without AEAD: the Java runtime's client would take it, the policy (RFC 9325) does not
        String cbc = "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256";
        assertTrue(List.of(javax.net.ssl.SSLContext.getDefault().getDefaultSSLParameters().getCipherSuites()).contains(cbc),
                "the runtime enables the suite by default: otherwise this test shows nothing");
        server = StowRsServer.httpsOnly(certificates.serverContext(), "TLSv1.2", cbc);
        Outcome outcome = new StowRsChannel(StowRsEndpoint.of(server.uri()), certificates.trustingContext())
                .deliverAll(items(FILES)).get(0);
        assertEquals(Result.TRANSIENT_FAILURE, outcome.result());
        assertTrue(outcome.reason().startsWith("127.0.0.1:" + server.port() + ": TLS handshake failed"), outcome.reason());
        assertEquals(List.of(), server.requests());

        // the same server with a suite the policy allows: delivered
        server.close();
        server = StowRsServer.httpsOnly(certificates.serverContext(), "TLSv1.2", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256");
        assertEquals(List.of(Outcome.DELIVERED, Outcome.DELIVERED, Outcome.DELIVERED),
                new StowRsChannel(StowRsEndpoint.of(server.uri()), certificates.trustingContext()).deliverAll(items(FILES)));
    }

    @Test
    void theProbeAsksForOneStudyWithTheCredentials() throws Exception {
        TestCertificates certificates = TestCertificates.selfSigned("stow-rs test server");
        server = StowRsServer.https(certificates.serverContext());
        server.respond(r -> Reply.json(200, "[]"));
        StowRsChannel channel = new StowRsChannel(StowRsEndpoint.of(server.uri())
                .withAuthorization(StowRsEndpoint.basic("gateway:pw")), certificates.trustingContext());
        assertEquals(200, channel.probe());
        StowRsServer.Request request = server.requests().get(0);
        assertEquals("GET", request.method());
        assertEquals("/dicom-web/studies?limit=1", request.path());
        assertEquals("Basic Z2F0ZXdheTpwdw==", request.header("Authorization"));
    }

    private StowRsChannel channel(URI uri) {
        return new StowRsChannel(StowRsEndpoint.of(uri), null);
    }

    private static List<Path> files(List<String> names) {
        return names.stream().map(TestData::pydicom).toList();
    }

    private static List<Item> items(List<String> names) {
        return names.stream().map(n -> new Item(TestData.pydicom(n), "P/S/E/" + n)).toList();
    }

    private static List<String> uids(List<String> names) throws Exception {
        List<String> uids = new java.util.ArrayList<>();
        for (String name : names) {
            uids.add(Part10Header.read(TestData.pydicom(name)).sopInstanceUid());
        }
        return uids;
    }

    static String referenced(String uid) {
        return "{\"00081150\":{\"vr\":\"UI\",\"Value\":[\"1.2.840.10008.5.1.4.1.1.2\"]},"
                + "\"00081155\":{\"vr\":\"UI\",\"Value\":[\"" + uid + "\"]}}";
    }

    static String failed(String uid, int reason) {
        return "{\"00081155\":{\"vr\":\"UI\",\"Value\":[\"" + uid + "\"]},\"00081197\":{\"vr\":\"US\",\"Value\":[" + reason + "]}}";
    }
}
