package org.deidgateway.cli;

import org.deidgateway.testsupport.TestData;
import org.deidgateway.testsupport.TestDatabases;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.deidgateway.cli.ItSupport.freePort;
import static org.deidgateway.cli.ItSupport.readQuietly;
import static org.deidgateway.cli.ItSupport.waitFor;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A node that loses its PostgreSQL server (issue 15) stops answering Success, says so on
 * /health/ready, and recovers by itself when the server is back; what it acknowledged arrives.
 * Its own private cluster (scripts/postgres-cluster.sh), stopped and started by the test.
 */
class DatabaseLossIT {

    private final List<Process> started = new ArrayList<>();
    @TempDir
    Path dir;
    private Path cluster;

    @AfterEach
    void stopAll() throws Exception {
        started.forEach(Process::destroyForcibly);
        for (Process p : started) {
            p.waitFor(30, TimeUnit.SECONDS);
        }
        if (cluster != null) {
            script("stop", cluster.toString());
        }
    }

    @Test
    void aNodeWithoutItsDatabaseRefusesObjectsAndRecoversByItself() throws Exception {
        // the server runs as nobody when the suite runs as root: its folder must be open to it
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        cluster = dir.resolve("postgresql");
        int dbPort = freePort();
        String url = script("start", cluster.toString(), Integer.toString(dbPort)).strip();
        Map<String, String> env = new HashMap<>(Map.of("DEID_PASSPHRASE", "loss-passphrase",
                "DEID_CURATOR_PASSPHRASE", "loss-curator-passphrase",
                TestDatabases.PASSWORD_ENV, Files.readString(cluster.resolve("password")).strip()));
        Path home = dir.resolve("home");
        Path out = dir.resolve("out");
        ok(env, "init", "--home", home.toString(), "--project", "lung", "--curator", "Ana", "--curator-out",
                dir.resolve("ana.p12").toString(), "--database", url + "?schema=loss", "--node", "gw1");
        ok(env, "destination", "add", "--home", home.toString(), "--name", "out", "--folder", out.toString());
        int port = freePort();
        int metrics = freePort();
        ok(env, "config", "set", "--home", home.toString(), "dicom.port", Integer.toString(port));
        ok(env, "config", "set", "--home", home.toString(), "dicom.bind-address", "127.0.0.1");
        ok(env, "config", "set", "--home", home.toString(), "metrics.port", Integer.toString(metrics));

        started.add(ItSupport.serve(dir, home, env, "gw1"));

        assertTrue(storescu(port, "CT_small.dcm").contains("Received Store Response (Success)"));
        waitFor(() -> ItSupport.dicomFiles(out).size() == 1, 60, "the first object delivered");
        assertTrue(ready(metrics).contains("\"status\":\"UP\""));

        script("stop", cluster.toString());
        // the first object after the loss may still be taken (it is durable in the spool); then refusals
        waitFor(() -> storescu(port, "MR_small.dcm").contains("Refused: OutOfResources"), 60, "objects refused");
        String down = ready(metrics);
        assertTrue(down.contains("\"database-writable\":\"DOWN\""), down);

        script("start", cluster.toString(), Integer.toString(dbPort));
        waitFor(() -> storescu(port, "MR_small.dcm").contains("Received Store Response (Success)"), 60,
                "objects accepted again with the server back");
        waitFor(() -> ready(metrics).contains("\"status\":\"UP\""), 60, "ready again");
        // CT and MR, each once by its new UIDs, whatever was taken during the loss
        waitFor(() -> ItSupport.dicomFiles(out).size() == 2, 60, "every acknowledged object delivered");
        String err = readQuietly(dir.resolve("serve-gw1.err"));
        assertTrue(err.contains("the database answers again; accepting objects"), err);
    }

    private String storescu(int port, String sample) throws Exception {
        Path log = Files.createTempFile(dir, "storescu", ".log");
        ProcessBuilder pb = new ProcessBuilder("storescu", "-v", "-aec", "DEIDGW", "-to", "20", "-ta", "20", "-td", "20",
                "127.0.0.1", Integer.toString(port), TestData.pydicom(sample).toString());
        pb.environment().put("TCP_NODELAY", "1");
        Process p = pb.redirectErrorStream(true).redirectOutput(log.toFile()).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "storescu finished");
        return Files.readString(log);
    }

    private static String ready(int port) {
        try {
            HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + port + "/health/ready")).build(), HttpResponse.BodyHandlers.ofString());
            return r.body();
        } catch (Exception e) {
            return "";
        }
    }

    private void ok(Map<String, String> env, String... args) throws Exception {
        DeidProcess.Result r = DeidProcess.run(dir, env, args);
        assertEquals(0, r.exit(), String.join(" ", args) + ": " + r.out() + r.err());
    }

    private static String script(String... args) throws Exception {
        return ItSupport.postgresCluster(args);
    }
}
