package org.deidgateway.testsupport;

import org.deidgateway.tls.PemFiles;
import org.deidgateway.tls.TlsException;
import org.deidgateway.tls.TlsMaterial;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A throw-away PKI made with the openssl command line, as a hospital would make it: a CA, and
 * certificates issued by it or self-signed, as PEM files in a temporary folder. RSA-2048 and two
 * days' validity keep it fast.
 */
public final class TestPki {

    /** A key and its certificate as PEM files. */
    public record Party(Path key, Path certificate) {
        public PrivateKey privateKey() throws TlsException {
            return PemFiles.readPrivateKey(key, () -> {
                throw new TlsException("unexpected encrypted key");
            });
        }

        public X509Certificate x509() throws TlsException {
            return PemFiles.readCertificates(certificate).get(0);
        }

        /** This party's key and certificate, trusting the given certificates. */
        public TlsMaterial material(Map<String, X509Certificate> trusted) throws TlsException {
            return TlsMaterial.of(privateKey(), new X509Certificate[] {x509()}, trusted);
        }
    }

    private final Path dir;
    public final Party ca;

    private TestPki(Path dir, Party ca) {
        this.dir = dir;
        this.ca = ca;
    }

    public static TestPki create(Path dir) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        Party ca = new Party(dir.resolve("ca.key"), dir.resolve("ca.pem"));
        openssl(dir, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", ca.key().toString(), "-out",
                ca.certificate().toString(), "-days", "2", "-subj", "/CN=Test Hospital CA",
                "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign");
        return new TestPki(dir, ca);
    }

    /** A certificate issued by the CA for the given subject alternative names (e.g. IP:127.0.0.1). */
    public Party issue(String name, String subjectAltNames) throws IOException, InterruptedException {
        Party party = new Party(dir.resolve(name + ".key"), dir.resolve(name + ".pem"));
        Path request = dir.resolve(name + ".csr");
        openssl(dir, "req", "-newkey", "rsa:2048", "-nodes", "-keyout", party.key().toString(), "-out", request.toString(),
                "-subj", "/CN=" + name);
        Path extensions = Files.writeString(dir.resolve(name + ".ext"), "subjectAltName=" + subjectAltNames
                + "\nextendedKeyUsage=serverAuth,clientAuth\nbasicConstraints=CA:FALSE\n");
        openssl(dir, "x509", "-req", "-in", request.toString(), "-CA", ca.certificate().toString(), "-CAkey", ca.key().toString(),
                "-CAcreateserial", "-out", party.certificate().toString(), "-days", "2", "-extfile", extensions.toString());
        return party;
    }

    /** A self-signed certificate no one trusts unless told to. */
    public Party selfSigned(String name, String subjectAltNames) throws IOException, InterruptedException {
        Party party = new Party(dir.resolve(name + ".key"), dir.resolve(name + ".pem"));
        openssl(dir, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", party.key().toString(), "-out",
                party.certificate().toString(), "-days", "2", "-subj", "/CN=" + name, "-addext", "subjectAltName=" + subjectAltNames);
        return party;
    }

    public Path dir() {
        return dir;
    }

    /** Runs openssl in {@code dir}; fails the test with its output if it fails. Returns stdout and stderr together. */
    public static String openssl(Path dir, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("openssl"));
        command.addAll(List.of(args));
        Path log = Files.createTempFile(dir, "openssl", ".log");
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("openssl did not finish: " + command);
        }
        String output = Files.readString(log, StandardCharsets.UTF_8);
        if (p.exitValue() != 0) {
            throw new AssertionError("openssl failed: " + command + "\n" + output);
        }
        return output;
    }
}
