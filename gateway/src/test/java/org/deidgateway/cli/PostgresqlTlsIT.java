package org.deidgateway.cli;

import org.deidgateway.testsupport.TestDatabases;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The gateway reaches PostgreSQL over TLS with the server's certificate checked, and says clearly
 * why when it cannot. A private cluster that takes TLS connections only (scripts/postgres-cluster.sh --tls).
 */
class PostgresqlTlsIT {

    @TempDir
    Path dir;
    private Path cluster;

    @AfterEach
    void stop() throws Exception {
        if (cluster != null) {
            ItSupport.postgresCluster("stop", cluster.toString());
        }
    }

    @Test
    void verifiedTlsWorksAndAnUntrustedServerOrPlainTextIsRefusedInWords() throws Exception {
        // the server runs as nobody when the suite runs as root: its folder must be open to it
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        cluster = dir.resolve("postgresql");
        String url = ItSupport.postgresCluster("start", cluster.toString(), Integer.toString(ItSupport.freePort()), "--tls").strip();
        assertTrue(url.contains("sslmode=verify-full&sslrootcert="), url);
        String password = Files.readString(cluster.resolve("password")).strip();
        Map<String, String> env = Map.of("DEID_PASSPHRASE", "tls-passphrase", "DEID_CURATOR_PASSPHRASE", "tls-curator-passphrase",
                TestDatabases.PASSWORD_ENV, password);

        Path home = dir.resolve("home");
        DeidProcess.Result init = DeidProcess.run(dir, env, "init", "--home", home.toString(), "--project", "lung",
                "--curator", "Ana", "--curator-out", dir.resolve("ana.p12").toString(), "--database", url + "&schema=tls",
                "--node", "gw1");
        assertEquals(0, init.exit(), init.out() + init.err());
        assertTrue(Files.readString(home.resolve("deid.yaml")).contains("sslmode=verify-full"), "the URL kept as given");
        DeidProcess.Result status = DeidProcess.run(dir, env, "queue", "status", "--home", home.toString());
        assertEquals(0, status.exit(), status.out() + status.err());
        assertTrue(status.out().contains("gw1"), status.out());

        // a certificate from another CA: not trusted, said so, nothing about the password
        String untrusted = url.replace("/tls/ca.pem", "/tls/other-ca.pem");
        DeidProcess.Result refused = initAnother(env, "untrusted", untrusted + "&schema=other");
        assertNotEquals(0, refused.exit());
        assertTrue(refused.err().contains("TLS certificate is not trusted"), refused.err());
        assertFalse(refused.out().contains(password) || refused.err().contains(password), "the password in the output");

        // plain text to a server that takes TLS only: the server's refusal, in words that point to sslmode
        String plain = url.substring(0, url.indexOf('?')) + "?sslmode=disable&schema=plain";
        DeidProcess.Result plainRefused = initAnother(env, "plain", plain);
        assertNotEquals(0, plainRefused.exit());
        assertTrue(plainRefused.err().contains("SQLSTATE 28000") && plainRefused.err().contains("sslmode"), plainRefused.err());

        // a root certificate file that is not there
        DeidProcess.Result missing = initAnother(env, "missing", url.replace("/tls/ca.pem", "/tls/none.pem") + "&schema=missing");
        assertNotEquals(0, missing.exit());
        assertTrue(missing.err().contains("cannot be read"), missing.err());
    }

    private DeidProcess.Result initAnother(Map<String, String> env, String name, String url) throws Exception {
        return DeidProcess.run(dir, env, "init", "--home", dir.resolve(name).toString(), "--project", "lung",
                "--curator", "Ana", "--curator-out", dir.resolve(name + ".p12").toString(), "--database", url, "--node", "gw1");
    }
}
