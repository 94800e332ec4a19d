package org.deidgateway.cli;

import org.deidgateway.testsupport.TestDatabases;
import org.deidgateway.testsupport.TestData;
import org.deidgateway.testsupport.TestPki;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.deidgateway.cli.ItSupport.countFiles;
import static org.deidgateway.cli.ItSupport.freePort;
import static org.deidgateway.cli.ItSupport.waitFor;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** deid tls and TLS in the configuration, through the packaged command line; and deid serve receiving over TLS. */
class TlsCliIT {

    private static final Map<String, String> ENV = Map.of("DEID_PASSPHRASE", "tls-cli-passphrase",
            "DEID_CURATOR_PASSPHRASE", "tls-curator-passphrase");

    @TempDir
    Path dir;
    private Path home;
    private final List<Process> started = new ArrayList<>();

    @AfterEach
    void stopAll() {
        started.forEach(Process::destroyForcibly);
    }

    @Test
    void certificatesAreManagedAuditedAndDemandedByTheConfiguration() throws Exception {
        init();
        ok("destination", "add", "--home", home.toString(), "--name", "out", "--folder", dir.resolve("out").toString());
        DeidProcess.Result set = ok("config", "set", "--home", home.toString(), "dicom.tls.enabled", "true");
        assertTrue(set.out().contains("deid config validate"), set.out());
        // serve refuses to start, like validate, instead of failing every handshake
        for (DeidProcess.Result refused : List.of(deid("config", "validate", "--home", home.toString()),
                deid("serve", "--home", home.toString()))) {
            assertEquals(1, refused.exit(), refused.err());
            assertTrue(refused.err().contains("dicom.tls.enabled is true, but the gateway keystore holds no TLS certificate")
                    && refused.err().contains("deid tls generate --home"), refused.err());
        }

        DeidProcess.Result empty = ok("tls", "list", "--home", home.toString());
        assertTrue(empty.out().contains("no own certificate") && empty.out().contains("no trusted certificates"), empty.out());
        DeidProcess.Result generated = ok("tls", "generate", "--home", home.toString(), "--cn", "gw.test", "--san",
                "gw.test,127.0.0.1", "--days", "30");
        assertTrue(generated.out().contains("subject:   CN=gw.test,OU=deid-gateway") && generated.out().contains("DNS:gw.test, IP:127.0.0.1"),
                generated.out());
        DeidProcess.Result again = deid("tls", "generate", "--home", home.toString(), "--cn", "gw.test");
        assertEquals(1, again.exit());
        assertTrue(again.err().contains("give --replace"), again.err());

        Path pem = dir.resolve("gw.pem");
        ok("tls", "export-cert", "--home", home.toString(), "--out", pem.toString());
        String fingerprint = TestPki.openssl(dir, "x509", "-in", pem.toString(), "-noout", "-fingerprint", "-sha256").strip();
        DeidProcess.Result listed = ok("tls", "list", "--home", home.toString());
        assertTrue(listed.out().contains(fingerprint.substring(fingerprint.indexOf('=') + 1)), fingerprint + "\n" + listed.out());
        assertTrue(ok("config", "validate", "--home", home.toString()).out().contains("with the TLS certificates it needs"));

        ok("config", "set", "--home", home.toString(), "dicom.tls.require-client-certificate", "true");
        DeidProcess.Result noTrust = deid("config", "validate", "--home", home.toString());
        assertEquals(1, noTrust.exit());
        assertTrue(noTrust.err().contains("dicom.tls.require-client-certificate is true") && noTrust.err().contains("deid tls trust"),
                noTrust.err());
        ok("tls", "trust", "--home", home.toString(), "--name", "self", "--cert", pem.toString());
        DeidProcess.Result twice = deid("tls", "trust", "--home", home.toString(), "--name", "other", "--cert", pem.toString());
        assertTrue(twice.exit() == 1 && twice.err().contains("trusted already, as 'self'"), twice.err());
        assertEquals(2, deid("tls", "trust", "--home", home.toString(), "--name", "Not_A_Name", "--cert", pem.toString()).exit());
        ok("config", "validate", "--home", home.toString());
        DeidProcess.Result unknown = deid("tls", "untrust", "--home", home.toString(), "--name", "nobody");
        assertTrue(unknown.exit() == 1 && unknown.err().contains("no trusted certificate named 'nobody'"), unknown.err());

        // the trusted entry survives a passphrase change (certificate entries carry no passphrase of their own)
        Map<String, String> change = new HashMap<>(ENV);
        change.put("DEID_NEW_PASSPHRASE", "tls-cli-passphrase-2");
        assertEquals(0, DeidProcess.run(dir, change, "keystore", "passwd", "--home", home.toString()).exit());
        DeidProcess.Result afterChange = DeidProcess.run(dir, Map.of("DEID_PASSPHRASE", "tls-cli-passphrase-2"), "tls", "list",
                "--home", home.toString());
        assertTrue(afterChange.out().contains("trusted 'self'") && afterChange.out().contains("CN=gw.test"), afterChange.out());

        String audit = DeidProcess.run(dir, Map.of(), "audit", "show", "--home", home.toString()).out();
        assertTrue(audit.contains("tls-certificate-generated") && audit.contains("tls-peer-trusted"), audit);
        assertTrue(DeidProcess.run(dir, Map.of("DEID_PASSPHRASE", "tls-cli-passphrase-2"), "audit", "verify", "--home",
                home.toString()).exit() == 0, "the audit trail and its checkpoint still verify");
        DeidProcess.Result folderTls = deid("destination", "add", "--home", home.toString(), "--name", "copy", "--folder",
                dir.resolve("copy").toString(), "--tls");
        assertTrue(folderTls.exit() == 2 && folderTls.err().contains("--tls goes with --dicom"), folderTls.err());
        // the hospital CA's certificate instead: its key encrypted, the chain given CA first
        TestPki pki = TestPki.create(dir.resolve("pki"));
        TestPki.Party issued = pki.issue("gw-issued", "DNS:gw.hospital.example");
        Path encrypted = dir.resolve("gw-issued-encrypted.key");
        TestPki.openssl(dir, "pkcs8", "-topk8", "-in", issued.key().toString(), "-v2", "aes-256-cbc", "-passout",
                "pass:key-file-passphrase", "-out", encrypted.toString());
        Path chain = Files.writeString(dir.resolve("chain.pem"), Files.readString(pki.ca.certificate())
                + Files.readString(issued.certificate()));
        Map<String, String> withKeyPassphrase = new HashMap<>(ENV);
        withKeyPassphrase.put("DEID_PASSPHRASE", "tls-cli-passphrase-2");
        DeidProcess.Result noKeyPassphrase = DeidProcess.run(dir, withKeyPassphrase, "tls", "import", "--home", home.toString(),
                "--key", encrypted.toString(), "--cert", chain.toString(), "--replace");
        assertTrue(noKeyPassphrase.exit() == 1 && noKeyPassphrase.err().contains("DEID_TLS_KEY_PASSPHRASE"), noKeyPassphrase.err());
        withKeyPassphrase.put("DEID_TLS_KEY_PASSPHRASE", "key-file-passphrase");
        DeidProcess.Result imported = DeidProcess.run(dir, withKeyPassphrase, "tls", "import", "--home", home.toString(),
                "--key", encrypted.toString(), "--cert", chain.toString(), "--replace");
        assertEquals(0, imported.exit(), imported.err());
        assertTrue(imported.out().contains("chain of 2 certificate(s)") && imported.out().contains("issuer:    CN=Test Hospital CA"),
                imported.out());
        String help = ok("tls", "--help").out();
        assertTrue(help.contains("tls.trusted.NAME") && help.contains("export-cert") && help.contains("untrust"), help);
    }

    @Test
    void theGatewayReceivesOverTlsAndEchoesItselfOverTls() throws Exception {
        init();
        Path out = dir.resolve("out");
        int port = freePort();
        ok("destination", "add", "--home", home.toString(), "--name", "out", "--folder", out.toString());
        ok("config", "set", "--home", home.toString(), "dicom.port", Integer.toString(port));
        ok("config", "set", "--home", home.toString(), "dicom.bind-address", "127.0.0.1");
        ok("config", "set", "--home", home.toString(), "metrics.port", "0");
        ok("config", "set", "--home", home.toString(), "dicom.allowed-source-addresses", "127.0.0.0/8");
        ok("config", "set", "--home", home.toString(), "dicom.tls.enabled", "true");
        ok("tls", "generate", "--home", home.toString(), "--cn", "localhost", "--san", "127.0.0.1", "--key-type", "ec");
        Path pem = dir.resolve("gw.pem");
        ok("tls", "export-cert", "--home", home.toString(), "--out", pem.toString());
        ok("tls", "trust", "--home", home.toString(), "--name", "self", "--cert", pem.toString());

        String banner = serve();
        assertTrue(banner.contains("over TLS from 127.0.0.0/8"), banner);
        Process storescu = new ProcessBuilder("storescu", "-v", "+tla", "+cf", pem.toString(), "-aec", "DEIDGW", "-to", "20",
                "-ta", "20", "-td", "20", "127.0.0.1", Integer.toString(port), TestData.pydicom("CT_small.dcm").toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("storescu.log").toFile()).start();
        started.add(storescu);
        assertTrue(storescu.waitFor(60, TimeUnit.SECONDS) && storescu.exitValue() == 0,
                Files.readString(dir.resolve("storescu.log")));
        waitFor(() -> countFiles(out) == 1, 60, "the object received over TLS, de-identified and forwarded");

        DeidProcess.Result echo = ok("echo", "--home", home.toString(), "--tls", "DEIDGW@127.0.0.1:" + port);
        assertTrue(echo.out().contains("Success") && echo.out().contains("over TLS"), echo.out());
        ok("destination", "add", "--home", home.toString(), "--name", "itself", "--dicom", "DEIDGW@127.0.0.1:" + port, "--tls");
        assertTrue(ok("echo", "--home", home.toString(), "--destination", "itself").out().contains("over TLS"));
        assertEquals(1, deid("echo", "--home", home.toString(), "DEIDGW@127.0.0.1:" + port).exit(), "plain TCP is refused");
    }

    private void init() throws Exception {
        home = dir.resolve("home");
        ok("init", "--home", home.toString(), "--project", "lung", "--curator", "Ana", "--curator-out",
                dir.resolve("ana.p12").toString());
    }

    private DeidProcess.Result deid(String... args) throws IOException, InterruptedException {
        return DeidProcess.run(dir, ENV, args);
    }

    private DeidProcess.Result ok(String... args) throws IOException, InterruptedException {
        DeidProcess.Result r = deid(args);
        assertEquals(0, r.exit(), String.join(" ", args) + ": " + r.err());
        return r;
    }

    /** Starts deid serve and returns its banner once it listens. */
    private String serve() throws Exception {
        ProcessBuilder pb = new ProcessBuilder(TestData.repoRoot().resolve("deid").toString(), "serve", "--home", home.toString());
        pb.environment().keySet().removeIf(TestDatabases::clearedForChild);
        pb.environment().putAll(ENV);
        Path stdout = dir.resolve("serve.out");
        pb.redirectOutput(stdout.toFile()).redirectError(dir.resolve("serve.err").toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        Process p = pb.start();
        started.add(p);
        waitFor(() -> read(stdout).contains("receiving as") || !p.isAlive(), 60, "the gateway listening");
        assertTrue(p.isAlive(), read(dir.resolve("serve.err")));
        return read(stdout);
    }

    private static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }
}
