package org.deidgateway.cli;

import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A STOW-RS destination from the command line: `destination add` keeps the name of the variable
 * holding the credential and never the credential, refuses credentials over plain http naming the
 * key, `echo` probes the endpoint (a JDK HTTP server on loopback here), and `serve` refuses to
 * start without the credential it was told to read.
 */
class StowRsDestinationIT {

    private static final Map<String, String> ENV = Map.of("DEID_PASSPHRASE", "gateway-passphrase",
            "DEID_CURATOR_PASSPHRASE", "curator-passphrase");

    @TempDir
    Path dir;
    private Path home;
    private HttpServer server;
    private final List<String> requests = new CopyOnWriteArrayList<>();
    private volatile int status = 200;

    @BeforeEach
    void home() throws Exception {
        home = dir.resolve("home");
        assertEquals(0, DeidProcess.run(dir, ENV, "init", "--home", home.toString(), "--project", "lung", "--curator", "Ana",
                "--curator-out", dir.resolve("ana.p12").toString()).exit());
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 4);
        server.createContext("/", exchange -> {
            try (exchange) {
                requests.add(exchange.getRequestMethod() + " " + exchange.getRequestURI());
                exchange.sendResponseHeaders(status, -1);
            }
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private int port() {
        return server.getAddress().getPort();
    }

    @Test
    void aStowRsDestinationKeepsTheVariablesNameNeverTheCredential() throws Exception {
        DeidProcess.Result added = DeidProcess.run(dir, ENV, "destination", "add", "--home", home.toString(), "--name", "repo",
                "--stow-rs", "https://repository.example.org/dicom-web/studies", "--auth", "bearer", "--auth-env",
                "DEID_STOW_TOKEN");
        assertEquals(0, added.exit(), added.err());
        String yaml = Files.readString(home.resolve("deid.yaml"), StandardCharsets.UTF_8);
        assertTrue(yaml.contains("stow-rs: https://repository.example.org/dicom-web/studies"), yaml);
        assertTrue(yaml.contains("auth: bearer") && yaml.contains("auth-env: DEID_STOW_TOKEN"), yaml);
        DeidProcess.Result list = DeidProcess.run(dir, ENV, "destination", "list", "--home", home.toString());
        assertTrue(list.out().matches("(?s)repo\\s+stow-rs\\s+https://repository.example.org/dicom-web/studies\\s*"), list.out());
    }

    @Test
    void credentialsOverPlainHttpAndBadUrlsAreRefusedNamingTheKey() throws Exception {
        DeidProcess.Result clear = DeidProcess.run(dir, ENV, "destination", "add", "--home", home.toString(), "--name", "repo",
                "--stow-rs", "http://repository.example.org/dicom-web/studies", "--auth", "basic", "--auth-env", "DEID_STOW_USER");
        assertEquals(1, clear.exit());
        assertTrue(clear.err().contains("destinations[0].auth: credentials would travel in clear over "
                + "http://repository.example.org/dicom-web/studies; use https"), clear.err());
        DeidProcess.Result inUrl = DeidProcess.run(dir, ENV, "destination", "add", "--home", home.toString(), "--name", "repo",
                "--stow-rs", "https://user:pw@repository.example.org/studies");
        assertEquals(1, inUrl.exit());
        assertTrue(inUrl.err().contains("destinations[0].stow-rs: the URL must not hold credentials; use auth and auth-env"),
                inUrl.err());
        assertFalse(inUrl.err().contains("pw@"), "the rejected URL is not repeated with its password");
        DeidProcess.Result ftp = DeidProcess.run(dir, ENV, "destination", "add", "--home", home.toString(), "--name", "repo",
                "--stow-rs", "ftp://repository.example.org/studies");
        assertEquals(1, ftp.exit());
        assertTrue(ftp.err().contains("destinations[0].stow-rs: 'ftp://repository.example.org/studies' must be an http:// or "
                + "https:// URL with a host"), ftp.err());
    }

    @Test
    void echoProbesTheEndpoint() throws Exception {
        int port = port();
        String url = "http://127.0.0.1:" + port + "/dicom-web/studies";
        assertEquals(0, DeidProcess.run(dir, ENV, "destination", "add", "--home", home.toString(), "--name", "repo",
                "--stow-rs", url).exit());
        DeidProcess.Result ok = DeidProcess.run(dir, ENV, "echo", "--home", home.toString(), "--destination", "repo");
        assertEquals(0, ok.exit(), ok.err());
        assertTrue(ok.out().startsWith(url + " answered HTTP 200 in "), ok.out());
        assertEquals(List.of("GET /dicom-web/studies?limit=1"), requests);
        status = 401;
        DeidProcess.Result refused = DeidProcess.run(dir, ENV, "echo", "--home", home.toString(), "--destination", "repo");
        assertEquals(1, refused.exit());
        assertTrue(refused.err().contains("answered HTTP 401") && refused.err().contains("wants credentials"), refused.err());
        server.stop(0);
        DeidProcess.Result down = DeidProcess.run(dir, ENV, "echo", "--home", home.toString(), "--destination", "repo");
        assertEquals(1, down.exit());
        assertTrue(down.err().contains("repo: cannot connect to 127.0.0.1:" + port), down.err());
    }

    @Test
    void serveRefusesToStartWithoutTheCredentialItWasToldToRead() throws Exception {
        assertEquals(0, DeidProcess.run(dir, ENV, "destination", "add", "--home", home.toString(), "--name", "repo",
                "--stow-rs", "https://127.0.0.1:1/dicom-web/studies", "--auth", "bearer", "--auth-env", "DEID_STOW_TOKEN").exit());
        Map<String, String> env = new HashMap<>(ENV);
        DeidProcess.Result serve = DeidProcess.run(dir, env, "serve", "--home", home.toString());
        assertEquals(1, serve.exit());
        assertTrue(serve.err().contains("destination repo: the environment variable DEID_STOW_TOKEN (auth-env) is not set; "
                + "it must hold the bearer token for https://127.0.0.1:1/dicom-web/studies"), serve.err());
    }
}
