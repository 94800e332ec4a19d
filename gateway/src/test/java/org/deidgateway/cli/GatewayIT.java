package org.deidgateway.cli;

import org.deidgateway.testsupport.TestDatabases;
import org.deidgateway.dicom.DicomFiles;
import org.deidgateway.testsupport.TestData;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.deidgateway.cli.ItSupport.countFiles;
import static org.deidgateway.cli.ItSupport.dicomFiles;
import static org.deidgateway.cli.ItSupport.freePort;
import static org.deidgateway.cli.ItSupport.readQuietly;
import static org.deidgateway.cli.ItSupport.waitFor;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The daemon as hospital IT runs it: `deid serve` as a process, dcmtk's storescu as the PACS, a
 * folder as the destination; and the crash that must lose nothing.
 */
class GatewayIT {

    private static final Map<String, String> ENV = Map.of("DEID_PASSPHRASE", "gateway-passphrase",
            "DEID_CURATOR_PASSPHRASE", "curator-passphrase");

    @TempDir
    Path dir;
    private Path home;
    private Path out;
    private int port;
    private final List<Process> started = new ArrayList<>();
    private Path lastServeErr;

    @BeforeEach
    void home() throws Exception {
        home = dir.resolve("home");
        out = dir.resolve("out");
        port = freePort();
        assertEquals(0, DeidProcess.run(dir, ENV, "init", "--home", home.toString(), "--project", "lung", "--curator", "Ana",
                "--curator-out", dir.resolve("ana.p12").toString()).exit());
        assertEquals(0, DeidProcess.run(dir, ENV, "destination", "add", "--home", home.toString(), "--name", "out",
                "--folder", out.toString()).exit());
        assertEquals(0, DeidProcess.run(dir, ENV, "config", "set", "--home", home.toString(), "dicom.port",
                Integer.toString(port)).exit());
        assertEquals(0, DeidProcess.run(dir, ENV, "config", "set", "--home", home.toString(), "dicom.bind-address",
                "127.0.0.1").exit());
        metricsPort = freePort();
        assertEquals(0, DeidProcess.run(dir, ENV, "config", "set", "--home", home.toString(), "metrics.port",
                Integer.toString(metricsPort)).exit());
        DeidProcess.Result refused = DeidProcess.run(dir, ENV, "config", "set", "--home", home.toString(),
                "queue.keep-delivered-days", "-1");
        assertTrue(refused.exit() != 0 && refused.err().contains("queue.keep-delivered-days: -1 must be 0 (for ever) or 1 to 3650"),
                refused.err());
        assertEquals(0, DeidProcess.run(dir, ENV, "config", "set", "--home", home.toString(), "queue.keep-delivered-days",
                "7").exit());
    }

    private int metricsPort;

    @AfterEach
    void stopAll() {
        started.forEach(Process::destroyForcibly);
    }

    @Test
    void receivesDeidentifiesForwardsAndQuarantinesThenStopsOnSigterm() throws Exception {
        // a scanned document whose text no mask rule covers and OCR cannot judge: the pixel stage holds it
        Path generated = dir.resolve("generated");
        Process gen = new ProcessBuilder("/usr/bin/python3", TestData.repoRoot().resolve("gateway/src/test/python/burned_in.py")
                .toString(), generated.toString(), "--kinds", "sc-norule").redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        assertTrue(gen.waitFor(2, TimeUnit.MINUTES) && gen.exitValue() == 0, "test image generated");
        Process serve = serve();
        Path log = storescu(List.of(), TestData.pydicom("CT_small.dcm").toString(), TestData.pydicom("MR_small.dcm").toString(),
                generated.resolve("sc-norule-000.dcm").toString());
        waitFor(() -> countFiles(out) == 2, 30, "two objects forwarded");
        String storescu = Files.readString(log);
        assertEquals(3, count(storescu, "Received Store Response (Success)"), storescu);
        for (Path file : dicomFiles(out)) {
            String name = com.pixelmed.dicom.Attribute.getSingleStringValueOrEmptyString(DicomFiles.read(file).dataset(),
                    com.pixelmed.dicom.TagFromName.PatientName);
            assertTrue(name.startsWith("LUNG-"), name);
        }
        waitFor(() -> countFiles(home.resolve("quarantine")) == 1, 60, "the Secondary Capture quarantined");
        waitFor(() -> countFiles(home.resolve("spool")) == 0, 10, "originals deleted once their copies are delivered");

        // what hospital IT watches
        String metrics = http("/metrics");
        assertTrue(metrics.contains("deid_received_total 3.0"), metrics);
        assertTrue(metrics.contains("deid_quarantined_total 1.0"), metrics);
        assertTrue(metrics.contains("deid_forwarded_total{destination=\"out\"} 2.0"), metrics);
        assertTrue(metrics.contains("deid_stage_seconds_count{stage=\"process\"} 2"), metrics);
        assertTrue(http("/health/ready").contains("\"status\":\"UP\""));
        assertFalse(metrics.contains("CompressedSamples") || metrics.contains("1CT1"), "no patient data in metrics");

        // the quarantine: listed with its reason, released after a (pretend) check of the pixels, then forwarded
        DeidProcess.Result held = DeidProcess.run(dir, ENV, "quarantine", "list", "--home", home.toString());
        assertTrue(held.out().contains("no pixel-mask rule describes this layout") && held.out().contains("1 objects in quarantine"),
                held.out());
        String id = held.out().lines().filter(l -> l.startsWith("#")).findFirst().orElseThrow().substring(1).split(" ")[0];
        assertEquals(0, DeidProcess.run(dir, ENV, "quarantine", "release", "--home", home.toString(), "--id", id,
                "--reason", "pixels checked: no text").exit());
        waitFor(() -> countFiles(out) == 3, 30, "the released object forwarded");
        DeidProcess.Result queue = DeidProcess.run(dir, ENV, "queue", "status", "--home", home.toString());
        assertTrue(queue.out().matches("(?s).*out\\s+0\\s+3\\s+0.*"), queue.out());
        DeidProcess.Result echo = DeidProcess.run(dir, ENV, "echo", "--home", home.toString(), "DEIDGW@127.0.0.1:" + port);
        assertEquals(0, echo.exit(), echo.err());
        DeidProcess.Result noPeer = DeidProcess.run(dir, ENV, "echo", "--home", home.toString(), "NOBODY@127.0.0.1:" + freePort());
        assertEquals(1, noPeer.exit());
        assertTrue(noPeer.err().contains("connect"), noPeer.err());

        serve.destroy(); // SIGTERM
        assertTrue(serve.waitFor(30, TimeUnit.SECONDS), "stops on SIGTERM");
        // the JVM reports a signal as 128 + 15 even after its shutdown hooks finished cleanly
        assertTrue(serve.exitValue() == 0 || serve.exitValue() == 143, "exit " + serve.exitValue());
        String err = readQuietly(lastServeErr);
        assertTrue(err.contains("deid: stopped; 0 objects wait to be processed, 0 deliveries pending"), err);
    }

    @Test
    void killMinus9DuringA500InstanceTransferLosesNothingThatGotSuccess() throws Exception {
        Path studies = dir.resolve("ct");
        Process gen = new ProcessBuilder("/usr/bin/python3", TestData.repoRoot().resolve("bench/generate-ct.py").toString(),
                studies.toString(), "500").redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        assertTrue(gen.waitFor(5, TimeUnit.MINUTES) && gen.exitValue() == 0, "test data generated");

        Process serve = serve();
        Path log = storescu(List.of("+sd"), studies.toString());
        waitFor(() -> count(readQuietly(log), "Received Store Response (Success)") >= 150, 120, "150 acknowledged");
        serve.destroyForcibly(); // kill -9, in the middle of the transfer
        serve.waitFor(30, TimeUnit.SECONDS);
        Thread.sleep(1000);
        int acknowledged = count(readQuietly(log), "Received Store Response (Success)");
        assertTrue(acknowledged < 500, "the kill interrupted the transfer (" + acknowledged + " acknowledged)");

        serve();
        waitFor(() -> countFiles(out) >= acknowledged, 180, "every acknowledged instance forwarded after the restart");
        Thread.sleep(1000);
        List<Path> delivered = dicomFiles(out);
        assertTrue(delivered.size() >= acknowledged && delivered.size() <= 500, delivered.size() + " delivered, "
                + acknowledged + " acknowledged");
        for (Path file : delivered) {
            assertFalse(file.toString().endsWith(".part"), "no half-written file at the destination");
            assertFalse(new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1).contains("Bench^Patient"),
                    "de-identified: " + file);
        }
    }

    @Test
    void copiesCutOrLostInACrashAreMadeAgainFromTheirOriginals() throws Exception {
        // the destination is a DICOM peer that is not there yet: the copies wait in the outbox
        int peerPort = freePort();
        assertEquals(0, DeidProcess.run(dir, ENV, "destination", "remove", "--home", home.toString(), "--name", "out").exit());
        assertEquals(0, DeidProcess.run(dir, ENV, "destination", "add", "--home", home.toString(), "--name", "peer",
                "--dicom", "STORESCP@127.0.0.1:" + peerPort).exit());
        Process serve = serve();
        Path log = storescu(List.of(), TestData.pydicom("CT_small.dcm").toString(), TestData.pydicom("MR_small.dcm").toString(),
                TestData.pydicom("rtdose.dcm").toString());
        // queued: the copies written and their outbox rows committed
        waitFor(() -> queueStatus().matches("(?s).*peer\\s+3\\s+0\\s+0.*"), 30, "three copies waiting in the outbox");
        assertEquals(3, count(readQuietly(log), "Received Store Response (Success)"));
        serve.destroyForcibly();
        serve.waitFor(30, TimeUnit.SECONDS);

        // what a power cut can leave of copies that were never forced to disk: one cut short, one gone
        List<Path> copies = dicomFiles(home.resolve("outbox"));
        byte[] first = Files.readAllBytes(copies.get(0));
        Files.write(copies.get(0), java.util.Arrays.copyOf(first, first.length / 2));
        Files.delete(copies.get(1));
        assertEquals(3, countFiles(home.resolve("spool")), "the originals wait for their copies' delivery");

        Path received = dir.resolve("peer");
        Files.createDirectories(received);
        ProcessBuilder storescp = new ProcessBuilder("storescp", "-aet", "STORESCP", "-fe", ".dcm", "-od", received.toString(),
                Integer.toString(peerPort)).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD);
        storescp.environment().put("TCP_NODELAY", "1");
        started.add(storescp.start());
        serve();
        waitFor(() -> countFiles(received) == 3, 60, "all three delivered after the restart");
        for (Path file : dicomFiles(received)) {
            // whole (DicomFiles.read refuses a cut object) and de-identified
            String name = com.pixelmed.dicom.Attribute.getSingleStringValueOrEmptyString(DicomFiles.read(file).dataset(),
                    com.pixelmed.dicom.TagFromName.PatientName);
            assertTrue(name.startsWith("LUNG-"), name);
        }
        waitFor(() -> countFiles(home.resolve("spool")) == 0 && countFiles(home.resolve("outbox")) == 0, 30,
                "originals and copies deleted once delivered");
        assertTrue(readQuietly(lastServeErr).contains("2 damaged by an interruption and queued to be made again"),
                readQuietly(lastServeErr));
    }

    private String queueStatus() {
        try {
            return DeidProcess.run(dir, ENV, "queue", "status", "--home", home.toString()).out();
        } catch (Exception e) {
            return "";
        }
    }

    private Process serve() throws Exception {
        List<String> command = List.of(TestData.repoRoot().resolve("deid").toString(), "serve", "--home", home.toString());
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().keySet().removeIf(TestDatabases::clearedForChild);
        pb.environment().putAll(ENV);
        Path stdout = Files.createTempFile(dir, "serve", ".out");
        lastServeErr = Files.createTempFile(dir, "serve", ".err");
        pb.redirectOutput(stdout.toFile()).redirectError(lastServeErr.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        Process p = pb.start();
        started.add(p);
        waitFor(() -> readQuietly(stdout).contains("receiving as"), 60, "the gateway listening");
        return p;
    }

    private Path storescu(List<String> options, String... files) throws IOException {
        List<String> command = new ArrayList<>(List.of("storescu", "-v"));
        command.addAll(options);
        command.addAll(List.of("-aec", "DEIDGW", "-to", "20", "-ta", "20", "-td", "20", "127.0.0.1", Integer.toString(port)));
        command.addAll(List.of(files));
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().put("TCP_NODELAY", "1");
        Path log = Files.createTempFile(dir, "storescu", ".log");
        pb.redirectErrorStream(true).redirectOutput(log.toFile());
        started.add(pb.start());
        return log;
    }

    private static int count(String text, String what) {
        int n = 0;
        for (int i = text.indexOf(what); i >= 0; i = text.indexOf(what, i + 1)) {
            n++;
        }
        return n;
    }

    private String http(String path) throws Exception {
        var client = java.net.http.HttpClient.newHttpClient();
        var response = client.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + metricsPort + path))
                .build(), java.net.http.HttpResponse.BodyHandlers.ofString());
        return response.body();
    }
}
