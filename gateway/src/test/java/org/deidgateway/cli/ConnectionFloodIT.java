package org.deidgateway.cli;

import org.deidgateway.testsupport.TestDatabases;
import org.deidgateway.forward.DicomChannel;
import org.deidgateway.forward.DicomStoreClient;
import org.deidgateway.testsupport.TestData;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.deidgateway.cli.ItSupport.countFiles;
import static org.deidgateway.cli.ItSupport.freePort;
import static org.deidgateway.cli.ItSupport.readQuietly;
import static org.deidgateway.cli.ItSupport.waitFor;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The DICOM port of `deid serve` (a real process) under two attacks, with dcmtk as the PACS:
 * hundreds of connections that never speak, and a connection flood that runs the gateway out of
 * file descriptors. The PACS must get through during both, and nothing it was told Success for
 * may be lost.
 */
class ConnectionFloodIT {

    private static final Map<String, String> ENV = Map.of("DEID_PASSPHRASE", "gateway-passphrase",
            "DEID_CURATOR_PASSPHRASE", "curator-passphrase");
    private static final int ARTIM_SECONDS = 3;
    private static final int IDLE_SECONDS = 2;
    private static final String SUCCESS = "Received Store Response (Success)";

    @TempDir
    static Path dir;
    private static Path home;
    private static Path out;
    private static int port;
    private static int metricsPort;

    private final List<Process> started = new ArrayList<>();
    private final List<Socket> flood = Collections.synchronizedList(new ArrayList<>());
    private Path serveErr;

    @BeforeAll
    static void home() throws Exception {
        home = dir.resolve("home");
        out = dir.resolve("out");
        port = freePort();
        metricsPort = freePort();
        deid("init", "--home", home.toString(), "--project", "lung", "--curator", "Ana", "--curator-out",
                dir.resolve("ana.p12").toString());
        deid("destination", "add", "--home", home.toString(), "--name", "out", "--folder", out.toString());
        deid("config", "set", "--home", home.toString(), "dicom.port", Integer.toString(port));
        deid("config", "set", "--home", home.toString(), "dicom.bind-address", "127.0.0.1");
        deid("config", "set", "--home", home.toString(), "metrics.port", Integer.toString(metricsPort));
        deid("config", "set", "--home", home.toString(), "dicom.artim-timeout-seconds", Integer.toString(ARTIM_SECONDS));
        deid("config", "set", "--home", home.toString(), "dicom.idle-timeout-seconds", Integer.toString(IDLE_SECONDS));
        DeidProcess.Result refused = DeidProcess.run(dir, ENV, "config", "set", "--home", home.toString(),
                "dicom.max-waiting-connections", "0");
        assertTrue(refused.exit() != 0 && refused.err().contains("dicom.max-waiting-connections: 0 must be 1 to 100000"),
                refused.err());
    }

    @AfterEach
    void stopAll() {
        flood.forEach(ConnectionFloodIT::closeQuietly);
        started.forEach(Process::destroyForcibly);
    }

    @Test
    void fiveHundredSilentConnectionsLeaveThePortToThePacsAndCloseAfterArtim() throws Exception {
        serve(List.of());
        long before = countFiles(out);
        long connecting = System.nanoTime();
        for (int i = 0; i < 500; i++) {
            Socket s = new Socket();
            s.connect(new InetSocketAddress("127.0.0.1", port), 2000);
            flood.add(s);
        }
        long connected = millisSince(connecting);
        waitFor(() -> metric("deid_dicom_connections_waiting") == 500.0, 2, "the gateway holding the 500 silent connections");

        Timed echo = dcmtk("echoscu", List.of());
        assertEquals(0, echo.exit(), echo.output());
        Timed store = dcmtk("storescu", List.of(TestData.pydicom("CT_small.dcm").toString(),
                TestData.pydicom("MR_small.dcm").toString()));
        assertEquals(0, store.exit(), store.output());
        assertEquals(2, count(store.output(), SUCCESS), store.output());
        System.out.printf("500 silent connections opened in %d ms; with them open, echoscu took %d ms and storescu of 2"
                + " objects %d ms%n", connected, echo.millis(), store.millis());
        assertTrue(echo.millis() < 5000 && store.millis() < 5000, "answered promptly: echo " + echo.millis()
                + " ms, store " + store.millis() + " ms");

        // the ARTIM timer ends every silent connection: the client sees the end of the stream
        long artimEnds = connecting + TimeUnit.SECONDS.toNanos(ARTIM_SECONDS + 3);
        int closed = 0;
        for (Socket s : flood) {
            s.setSoTimeout((int) Math.max(1, TimeUnit.NANOSECONDS.toMillis(artimEnds - System.nanoTime())));
            try {
                if (s.getInputStream().read() == -1) {
                    closed++;
                }
            } catch (SocketTimeoutException e) {
                break;
            }
        }
        assertEquals(500, closed, "silent connections closed by the gateway within ARTIM + 3 s");
        assertEquals(500.0, metric("deid_dicom_connections_dropped_total{reason=\"artim\"}"));
        assertEquals(0.0, metric("deid_dicom_connections_waiting"));
        waitFor(() -> countFiles(out) == before + 2, 60, "the two stored objects forwarded");

        // an association silent past the idle timeout of deid.yaml is ended by the gateway; the client opens another
        try (DicomStoreClient client = new DicomStoreClient(DicomChannel.parse("DEIDGW@127.0.0.1:" + port, "FLOOD_IT"))) {
            client.echo();
            Thread.sleep(TimeUnit.SECONDS.toMillis(IDLE_SECONDS) + 1500);
            client.echo();
            assertEquals(2, client.associationsOpened(), "the idle association ended after " + IDLE_SECONDS + " s");
        }
        long lines = readQuietly(serveErr).lines().count();
        assertTrue(lines < 10, "no log line per silent connection: " + lines + " lines");
    }

    /**
     * 256 descriptors leave the gateway about 190 beyond what it uses idle; 96 leave it about 25, so
     * that the flood takes the last descriptor again and again while objects are being stored.
     */
    @ParameterizedTest(name = "ulimit -n {0}")
    @ValueSource(ints = {256, 96})
    void aDescriptorFloodIsShedAndNothingAnsweredWithSuccessIsLost(int descriptors) throws Exception {
        assumeTrue(descriptorLimit("self") >= 4096, "the test itself needs at least 4096 descriptors (ulimit -n)");
        // two sets of 20 CT instances with fresh UIDs: one sent during the flood, one after it
        Path duringFlood = generateCt("during-" + descriptors, 20);
        Path afterFlood = generateCt("after-" + descriptors, 20);
        Process serve = serve(List.of("bash", "-c", "ulimit -n " + descriptors + " && exec \"$0\" \"$@\""));
        assertEquals(descriptors, descriptorLimit(Long.toString(serve.pid())), "the gateway runs with the low limit");
        long before = countFiles(out);
        long quarantinedBefore = countFiles(home.resolve("quarantine"));

        // 1. silent connections until the gateway cannot accept any more
        int refused = 0;
        long flooding = System.nanoTime();
        while (!readQuietly(serveErr).contains("Too many open files") && flood.size() + refused < 4 * descriptors
                && millisSince(flooding) < 30_000) {
            refused += openSilent(50);
        }
        // the kernel completes connections into the backlog faster than the gateway accepts them: the flood can
        // be over before the gateway has reached the connection that finds no descriptor
        waitFor(() -> readQuietly(serveErr).contains("cannot accept DICOM connections: Too many open files"), 10,
                "the gateway out of descriptors");
        System.out.printf("ulimit -n %d: descriptors ran out after %d connections (%d ms)%n", descriptors, flood.size(),
                millisSince(flooding));

        // 2. the flood goes on, as fast as this thread can connect, while the PACS echoes and sends 20 instances;
        // the flood keeps its newest 1000 connections open and closes older ones, as the gateway has by then
        AtomicInteger opened = new AtomicInteger(flood.size());
        Thread flooder = new Thread(() -> {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!Thread.currentThread().isInterrupted() && System.nanoTime() < deadline) {
                opened.addAndGet(10 - openSilent(10));
                while (flood.size() > 1000) {
                    closeQuietly(flood.remove(0));
                }
            }
        }, "flood");
        flooder.start();
        Timed duringEcho;
        Timed duringStore;
        long floodStarted = System.nanoTime();
        try {
            duringEcho = dcmtk("echoscu", List.of());
            duringStore = dcmtk("storescu", List.of("+sd", duringFlood.toString()));
        } finally {
            flooder.interrupt();
            flooder.join(10_000);
        }
        long floodMillis = millisSince(floodStarted);
        int acknowledged = count(duringStore.output(), SUCCESS);
        System.out.printf("during a flood of %d connections in %d ms: echoscu exit %d in %d ms; storescu exit %d in %d ms,"
                        + " %d of 20 answered Success%n", opened.get(), floodMillis, duringEcho.exit(), duringEcho.millis(),
                duringStore.exit(), duringStore.millis(), acknowledged);
        // what failed, if anything: a refused or aborted association, or a failure status (never a lost Success)
        (duringEcho.output() + duringStore.output()).lines()
                .filter(l -> l.startsWith("E:") || l.startsWith("F:") || l.contains("Response") && !l.contains("Success"))
                .forEach(l -> System.out.println("during the flood: " + l));

        // 3. the flood ends: normal service, and the gateway kept its process and its health
        synchronized (flood) {
            flood.forEach(ConnectionFloodIT::closeQuietly);
        }
        Timed echo = dcmtk("echoscu", List.of());
        assertEquals(0, echo.exit(), echo.output());
        Timed store = dcmtk("storescu", List.of("+sd", afterFlood.toString()));
        assertEquals(20, count(store.output(), SUCCESS), store.output());
        assertTrue(serve.isAlive());
        assertTrue(http("/health/live").contains("\"status\":\"UP\""));

        // every object told Success, during the flood or after it, is kept: forwarded, or in the quarantine when
        // the processor could not open its spool file for want of descriptors (DicomFiles.read takes that for an
        // unreadable object, see docs/decisions.md; a person releases it)
        Path quarantine = home.resolve("quarantine");
        waitFor(() -> countFiles(out) - before + countFiles(quarantine) - quarantinedBefore >= acknowledged + 20
                && metric("deid_queue_received") == 0.0 && metric("deid_outbox_pending{destination=\"out\"}") == 0.0, 120,
                acknowledged + 20 + " objects processed and forwarded");
        long delivered = countFiles(out) - before;
        long quarantined = countFiles(quarantine) - quarantinedBefore;
        assertTrue(delivered + quarantined >= acknowledged + 20 && delivered + quarantined <= 40, delivered + " delivered, "
                + quarantined + " quarantined, " + (acknowledged + 20) + " answered Success");

        double failures = metric("deid_dicom_accept_failures_total");
        long logged = readQuietly(serveErr).lines().filter(l -> l.contains("cannot accept DICOM connections")).count();
        System.out.printf("%d objects delivered, %d quarantined; %.0f failed accepts, logged in %d lines; %s%n", delivered,
                quarantined, failures, logged,
                readQuietly(serveErr).lines().filter(l -> l.contains("WARN")).toList());
        assertTrue(failures >= 1 && logged <= 3, failures + " failed accepts, logged in " + logged + " lines");
    }

    /** Opens up to {@code n} connections that send nothing; returns how many could not connect in time. */
    private int openSilent(int n) {
        int refused = 0;
        for (int i = 0; i < n; i++) {
            Socket s = new Socket();
            try {
                s.connect(new InetSocketAddress("127.0.0.1", port), 1000);
                flood.add(s);
            } catch (IOException e) {
                closeQuietly(s);
                refused++;
            }
        }
        return refused;
    }

    private record Timed(int exit, long millis, String output) {
    }

    /** Runs echoscu or storescu against the gateway and waits for it. */
    private Timed dcmtk(String tool, List<String> arguments) throws Exception {
        List<String> command = new ArrayList<>(List.of(tool, "-v", "-aec", "DEIDGW", "-to", "20", "-ta", "20", "-td", "20"));
        if (tool.equals("storescu")) {
            command.addAll(arguments.stream().filter(a -> a.startsWith("+")).toList());
        }
        command.addAll(List.of("127.0.0.1", Integer.toString(port)));
        command.addAll(arguments.stream().filter(a -> !a.startsWith("+")).toList());
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().put("TCP_NODELAY", "1");
        Path log = Files.createTempFile(dir, tool, ".log");
        pb.redirectErrorStream(true).redirectOutput(log.toFile());
        long start = System.nanoTime();
        Process p = pb.start();
        started.add(p);
        assertTrue(p.waitFor(2, TimeUnit.MINUTES), tool + " finished");
        return new Timed(p.exitValue(), millisSince(start), Files.readString(log, StandardCharsets.UTF_8));
    }

    private Process serve(List<String> prefix) throws Exception {
        List<String> command = new ArrayList<>(prefix);
        command.addAll(List.of(TestData.repoRoot().resolve("deid").toString(), "serve", "--home", home.toString()));
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().keySet().removeIf(TestDatabases::clearedForChild);
        pb.environment().putAll(ENV);
        Path stdout = Files.createTempFile(dir, "serve", ".out");
        serveErr = Files.createTempFile(dir, "serve", ".err");
        pb.redirectOutput(stdout.toFile()).redirectError(serveErr.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        Process p = pb.start();
        started.add(p);
        waitFor(() -> readQuietly(stdout).contains("metrics and health on") && readQuietly(stdout).contains("receiving as"),
                60, "the gateway listening");
        return p;
    }

    private static void deid(String... args) throws Exception {
        DeidProcess.Result r = DeidProcess.run(dir, ENV, args);
        assertEquals(0, r.exit(), String.join(" ", args) + ": " + r.err());
    }

    private static Path generateCt(String name, int count) throws Exception {
        Path folder = dir.resolve(name);
        Process gen = new ProcessBuilder("/usr/bin/python3", TestData.repoRoot().resolve("bench/generate-ct.py").toString(),
                folder.toString(), Integer.toString(count)).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        assertTrue(gen.waitFor(2, TimeUnit.MINUTES) && gen.exitValue() == 0, "test data generated");
        return folder;
    }

    /** The soft open-file limit of a process ("self" or a pid), from /proc. */
    private static long descriptorLimit(String process) throws IOException {
        String line = Files.readAllLines(Path.of("/proc", process, "limits")).stream()
                .filter(l -> l.startsWith("Max open files")).findFirst().orElseThrow();
        String soft = line.substring("Max open files".length()).trim().split("\\s+")[0];
        return soft.equals("unlimited") ? Long.MAX_VALUE : Long.parseLong(soft);
    }

    /** One sample from /metrics, by its name and labels as printed; -1 when absent. */
    private static double metric(String sample) throws Exception {
        return http("/metrics").lines().filter(l -> l.startsWith(sample + " ")).findFirst()
                .map(l -> Double.parseDouble(l.substring(sample.length() + 1).trim())).orElse(-1.0);
    }

    private static String http(String path) throws Exception {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + metricsPort + path))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    private static long millisSince(long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - nanos);
    }

    private static int count(String text, String what) {
        int n = 0;
        for (int i = text.indexOf(what); i >= 0; i = text.indexOf(what, i + 1)) {
            n++;
        }
        return n;
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // the test is done with it
        }
    }
}
