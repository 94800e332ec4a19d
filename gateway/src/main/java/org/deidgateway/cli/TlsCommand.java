package org.deidgateway.cli;

import org.deidgateway.audit.AuditEvent;
import org.deidgateway.keystore.GatewayKeystore;
import org.deidgateway.tls.CertificateSummary;
import org.deidgateway.tls.OwnCertificate;
import org.deidgateway.tls.PemFiles;
import org.deidgateway.tls.TlsException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "tls", mixinStandardHelpOptions = true,
        description = {"The TLS certificates in the gateway keystore: the gateway's own key and certificate (alias tls.key), "
                + "which the DICOM listener presents when dicom.tls.enabled is true and which is offered as client certificate "
                + "to TLS destinations; and the certificates it trusts in peers (aliases tls.trusted.NAME). Peers are checked "
                + "against these alone, never against the public CAs bundled with Java.",
                "Every change is audited. The keystore passphrase comes from DEID_PASSPHRASE or a prompt. A running gateway "
                        + "picks changes up at its next start."},
        subcommands = {TlsCommand.Generate.class, TlsCommand.Import.class, TlsCommand.ExportCert.class, TlsCommand.Trust.class,
                TlsCommand.Untrust.class, TlsCommand.ListCertificates.class})
final class TlsCommand extends CommandGroup {

    static final int DEFAULT_DAYS = 730;

    @Command(name = "generate", mixinStandardHelpOptions = true,
            description = {"Create the gateway's TLS key and a self-signed certificate for it (server and client use). Peers "
                    + "then trust that certificate directly: give them the output of deid tls export-cert.",
                    "Use deid tls import instead when the hospital CA issues the gateway's certificate."})
    static final class Generate implements Callable<Integer> {
        @Option(names = "--home", required = true, paramLabel = "DIR", description = "Installation home.")
        Path home;
        @Option(names = "--cn", required = true, paramLabel = "NAME",
                description = "Common name of the certificate, usually the gateway's host name.")
        String commonName;
        @Option(names = "--san", split = ",", paramLabel = "NAME_OR_IP",
                description = "A host name or IP address peers connect to (repeat, or separate with commas); peers that "
                        + "check host names look only here. Default: the common name.")
        List<String> alternativeNames = new ArrayList<>();
        @Option(names = "--days", paramLabel = "N", defaultValue = "" + DEFAULT_DAYS,
                description = "Validity in days (1 to 3650; default ${DEFAULT-VALUE}).")
        int days;
        @Option(names = "--key-type", paramLabel = "rsa|ec", defaultValue = "rsa",
                description = "rsa (RSA-3072, what every DICOM peer takes; the default) or ec (ECDSA P-256).")
        String keyType;
        @Option(names = "--replace", description = "Replace an existing TLS key; peers must then trust the new certificate.")
        boolean replace;

        @Override
        public Integer call() {
            return Cli.run(() -> {
                try (HomeAccess access = HomeAccess.open(home)) {
                    GatewayKeystore keystore = access.keystore();
                    refuseToReplace(keystore, replace);
                    OwnCertificate own = OwnCertificate.selfSigned(keyType, commonName, alternativeNames, days);
                    keystore.setTlsKey(own.key(), own.chain());
                    keystore.save(true);
                    CertificateSummary summary = CertificateSummary.of(own.chain()[0]);
                    audit(access, keystore, AuditEvent.TLS_CERTIFICATE_GENERATED, GatewayKeystore.TLS_KEY_ALIAS, summary);
                    System.out.println("created the gateway's TLS key (" + own.key().getAlgorithm() + ") and a self-signed "
                            + "certificate");
                    printCertificate(summary);
                    System.out.println("peers trust it with the output of: deid tls export-cert --home " + home);
                    return 0;
                }
            });
        }
    }

    @Command(name = "import", mixinStandardHelpOptions = true,
            description = {"Put a key and certificate chain from the hospital CA into the gateway keystore as its TLS "
                    + "identity. Both files are PEM; the key may be PKCS#8, PKCS#1 or SEC1, and encrypted (its passphrase "
                    + "from DEID_TLS_KEY_PASSPHRASE or a prompt). The key must belong to a certificate in --cert; the chain is "
                    + "ordered from it, checked by signature, and must be valid now.",
                    "The PEM files are not needed afterwards: delete the key file securely."})
    static final class Import implements Callable<Integer> {
        @Option(names = "--home", required = true, paramLabel = "DIR", description = "Installation home.")
        Path home;
        @Option(names = "--key", required = true, paramLabel = "KEY.pem", description = "The private key, PEM.")
        Path keyFile;
        @Option(names = "--cert", required = true, paramLabel = "CHAIN.pem",
                description = "The certificate, with its intermediate CA certificates if any, PEM.")
        Path certFile;
        @Option(names = "--replace", description = "Replace an existing TLS key; peers must then trust the new certificate.")
        boolean replace;

        @Override
        public Integer call() {
            return Cli.run(() -> {
                try (HomeAccess access = HomeAccess.open(home)) {
                    List<X509Certificate> certificates = PemFiles.readCertificates(certFile);
                    PrivateKey key = PemFiles.readPrivateKey(keyFile, () -> {
                        try {
                            return Passphrases.tlsKey();
                        } catch (CliException e) {
                            throw new TlsException(keyFile + ": the key is encrypted; " + e.getMessage());
                        }
                    });
                    OwnCertificate own = OwnCertificate.imported(key, certificates);
                    GatewayKeystore keystore = access.keystore();
                    refuseToReplace(keystore, replace);
                    keystore.setTlsKey(own.key(), own.chain());
                    keystore.save(true);
                    CertificateSummary summary = CertificateSummary.of(own.chain()[0]);
                    audit(access, keystore, AuditEvent.TLS_CERTIFICATE_IMPORTED, GatewayKeystore.TLS_KEY_ALIAS, summary);
                    System.out.println("imported the gateway's TLS key (" + key.getAlgorithm() + ") with a chain of "
                            + own.chain().length + " certificate(s)");
                    printCertificate(summary);
                    return 0;
                }
            });
        }
    }

    @Command(name = "export-cert", mixinStandardHelpOptions = true,
            description = "Print the gateway's TLS certificate as PEM (or write it to --out), for peers to trust: for dcmtk "
                    + "that is +cf FILE, for another gateway deid tls trust. Only the certificate: the key never leaves.")
    static final class ExportCert implements Callable<Integer> {
        @Option(names = "--home", required = true, paramLabel = "DIR", description = "Installation home.")
        Path home;
        @Option(names = "--out", paramLabel = "FILE", description = "Write here instead of standard output.")
        Path out;
        @Option(names = "--chain", description = "The whole chain (certificate first, then its CAs), not the certificate alone.")
        boolean chain;

        @Override
        public Integer call() {
            return Cli.run(() -> {
                try (HomeAccess access = HomeAccess.open(home)) {
                    X509Certificate[] own = access.keystore().tlsCertificateChain().orElseThrow(() -> new CliException(
                            "the gateway keystore holds no TLS certificate; create one with deid tls generate --home " + home
                                    + " --cn HOST_NAME", CliException.FAILURE));
                    String pem = PemFiles.toPem(chain ? Arrays.asList(own) : List.of(own[0]));
                    if (out == null) {
                        System.out.print(pem);
                    } else {
                        Files.writeString(out, pem);
                        System.err.println("wrote " + out);
                    }
                    return 0;
                }
            });
        }
    }

    @Command(name = "trust", mixinStandardHelpOptions = true,
            description = {"Trust a peer's certificate, or the CA certificate that issued peers' certificates, under a name. "
                    + "A TLS destination must present a certificate that chains to a trusted one and names the host in "
                    + "its address; with dicom.tls.require-client-certificate, so must every sender.",
                    "Trusting a CA trusts every certificate it issued: trust the peer's own certificate when in doubt."})
    static final class Trust implements Callable<Integer> {
        @Option(names = "--home", required = true, paramLabel = "DIR", description = "Installation home.")
        Path home;
        @Option(names = "--name", required = true, paramLabel = "NAME",
                description = "A name for it (lower-case letters, digits, '-'), e.g. the peer's.")
        String name;
        @Option(names = "--cert", required = true, paramLabel = "FILE.pem", description = "Exactly one certificate, PEM.")
        Path certFile;

        @Override
        public Integer call() {
            return Cli.run(() -> {
                if (!name.matches(GatewayKeystore.TRUSTED_NAME_PATTERN)) {
                    throw new CliException("--name '" + name + "' must match " + GatewayKeystore.TRUSTED_NAME_PATTERN);
                }
                List<X509Certificate> certificates = PemFiles.readCertificates(certFile);
                if (certificates.size() != 1) {
                    throw new CliException(certFile + " holds " + certificates.size() + " certificates; trust one per name "
                            + "(put the one you mean, for example the CA's, in a file of its own)", CliException.FAILURE);
                }
                CertificateSummary summary = CertificateSummary.of(certificates.get(0));
                if (summary.expired(Instant.now())) {
                    throw new CliException("certificate " + summary.oneLine() + " expired on " + summary.notAfter()
                            + "; no peer could use it", CliException.FAILURE);
                }
                try (HomeAccess access = HomeAccess.open(home)) {
                    GatewayKeystore keystore = access.keystore();
                    for (Map.Entry<String, X509Certificate> existing : keystore.trustedCertificates().entrySet()) {
                        if (existing.getValue().equals(certificates.get(0))) {
                            throw new CliException("this certificate is trusted already, as '" + existing.getKey() + "'",
                                    CliException.FAILURE);
                        }
                    }
                    keystore.trust(name, certificates.get(0));
                    keystore.save(true);
                    audit(access, keystore, AuditEvent.TLS_PEER_TRUSTED, GatewayKeystore.TRUSTED_ALIAS_PREFIX + name, summary);
                    System.out.println("trusted '" + name + "'");
                    printCertificate(summary);
                    return 0;
                }
            });
        }
    }

    @Command(name = "untrust", mixinStandardHelpOptions = true,
            description = "Stop trusting a certificate (by its name in deid tls list). Peers that depended on it are refused "
                    + "from the gateway's next start.")
    static final class Untrust implements Callable<Integer> {
        @Option(names = "--home", required = true, paramLabel = "DIR", description = "Installation home.")
        Path home;
        @Option(names = "--name", required = true, paramLabel = "NAME", description = "The trusted certificate's name.")
        String name;

        @Override
        public Integer call() {
            return Cli.run(() -> {
                try (HomeAccess access = HomeAccess.open(home)) {
                    GatewayKeystore keystore = access.keystore();
                    X509Certificate removed = (X509Certificate) keystore.untrust(name).orElseThrow(() -> new CliException(
                            "no trusted certificate named '" + name + "' (see deid tls list --home " + home + ")",
                            CliException.FAILURE));
                    keystore.save(true);
                    audit(access, keystore, AuditEvent.TLS_PEER_UNTRUSTED, GatewayKeystore.TRUSTED_ALIAS_PREFIX + name,
                            CertificateSummary.of(removed));
                    System.out.println("no longer trusted: '" + name + "'");
                    return 0;
                }
            });
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true,
            description = "Show the gateway's TLS certificate and the trusted ones: subject, issuer, expiry, names and "
                    + "SHA-256 fingerprint (as openssl x509 -fingerprint -sha256 prints it).")
    static final class ListCertificates implements Callable<Integer> {
        @Option(names = "--home", required = true, paramLabel = "DIR", description = "Installation home.")
        Path home;

        @Override
        public Integer call() {
            return Cli.run(() -> {
                try (HomeAccess access = HomeAccess.open(home)) {
                    GatewayKeystore keystore = access.keystore();
                    var own = keystore.tlsCertificateChain();
                    if (own.isPresent()) {
                        System.out.println("own certificate (alias " + GatewayKeystore.TLS_KEY_ALIAS + ", chain of "
                                + own.get().length + ")");
                        printCertificate(CertificateSummary.of(own.get()[0]));
                    } else {
                        System.out.println("no own certificate; create one with: deid tls generate --home " + home
                                + " --cn HOST_NAME");
                    }
                    Map<String, X509Certificate> trusted = keystore.trustedCertificates();
                    if (trusted.isEmpty()) {
                        System.out.println("no trusted certificates; add one with: deid tls trust --home " + home
                                + " --name NAME --cert FILE.pem");
                    }
                    for (Map.Entry<String, X509Certificate> entry : trusted.entrySet()) {
                        System.out.println("trusted '" + entry.getKey() + "' (alias " + GatewayKeystore.TRUSTED_ALIAS_PREFIX
                                + entry.getKey() + ")");
                        printCertificate(CertificateSummary.of(entry.getValue()));
                    }
                    return 0;
                }
            });
        }
    }

    private static void refuseToReplace(GatewayKeystore keystore, boolean replace) throws Exception {
        var existing = keystore.tlsCertificateChain();
        if (existing.isPresent() && !replace) {
            throw new CliException("the keystore holds a TLS certificate already (" + CertificateSummary.of(existing.get()[0])
                    .oneLine() + "); give --replace to replace it, after which peers must trust the new one", CliException.FAILURE);
        }
    }

    private static void audit(HomeAccess access, GatewayKeystore keystore, AuditEvent event, String alias,
                              CertificateSummary summary) throws Exception {
        access.audit().append(event, HomeAccess.operator(), Map.of("keystore", access.layout.keystore().toString(),
                "alias", alias, "subject", summary.subject(), "issuer", summary.issuer(),
                "not-after", summary.notAfter().toString(), "sha256", summary.sha256()));
        access.checkpoint(keystore);
    }

    private static void printCertificate(CertificateSummary summary) {
        Instant now = Instant.now();
        long daysLeft = Duration.between(now, summary.notAfter()).toDays();
        String validity = summary.expired(now) ? " (EXPIRED)" : daysLeft < 30 ? " (expires in " + daysLeft + " days)" : "";
        System.out.println("  subject:   " + summary.subject());
        System.out.println("  issuer:    " + summary.issuer() + (summary.selfSigned() ? " (self-signed)" : ""));
        System.out.println("  not after: " + summary.notAfter() + validity);
        if (!summary.subjectAlternativeNames().isEmpty()) {
            System.out.println("  names:     " + String.join(", ", summary.subjectAlternativeNames()));
        }
        System.out.println("  SHA-256:   " + summary.sha256());
    }
}
