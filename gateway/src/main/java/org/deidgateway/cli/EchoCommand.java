package org.deidgateway.cli;

import org.deidgateway.config.DestinationConfig;
import org.deidgateway.forward.Destination;
import org.deidgateway.forward.DicomChannel;
import org.deidgateway.forward.DicomStoreClient;
import org.deidgateway.tls.TlsMaterial;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.concurrent.Callable;

@Command(name = "echo", mixinStandardHelpOptions = true,
        description = {"C-ECHO a DICOM peer: a configured destination (--destination NAME) or any AE@HOST:PORT, "
                + "calling as the gateway's AE title. Exit 0 if it answered Success.",
                "Over TLS when the destination has tls: true, or with --tls; that opens the gateway keystore "
                        + "(passphrase from DEID_PASSPHRASE or a prompt) for its trusted certificates and its own."})
final class EchoCommand implements Callable<Integer> {

    @Option(names = "--home", required = true, paramLabel = "DIR", description = "Installation home.")
    Path home;
    @Option(names = "--destination", paramLabel = "NAME", description = "A configured DICOM destination.")
    String destination;
    @Parameters(arity = "0..1", paramLabel = "AE@HOST:PORT", description = "A peer that is not configured.")
    String peer;
    @Option(names = "--tls", description = "Over TLS, the peer verified against the certificates the keystore trusts.")
    boolean tls;

    @Override
    public Integer call() {
        return Cli.run(() -> {
            try (HomeAccess access = HomeAccess.open(home)) {
                String target = peer;
                boolean overTls = tls;
                if (destination != null) {
                    DestinationConfig d = access.config().destinationsOrEmpty().stream()
                            .filter(x -> x.name().equals(destination)).findFirst()
                            .orElseThrow(() -> new CliException("no destination named '" + destination + "'"));
                    if (d.dicom() == null) {
                        throw new CliException("destination " + destination + " is a " + d.kind() + ", not a DICOM peer");
                    }
                    target = d.dicom();
                    overTls |= d.tlsOrFalse();
                }
                if (target == null || !target.matches(DestinationConfig.DICOM_PATTERN)) {
                    throw new CliException("give --destination NAME or AE@HOST:PORT");
                }
                Destination peerDestination = DicomChannel.parse(target, access.config().dicomOrDefault().aeTitleOrDefault());
                if (overTls) {
                    peerDestination = peerDestination.withTls(TlsMaterial.from(access.keystore()).clientContext());
                }
                long started = System.nanoTime();
                try (DicomStoreClient client = new DicomStoreClient(peerDestination)) {
                    client.echo();
                }
                System.out.printf("%s answered C-ECHO with Success in %.0f ms%s%n", target, (System.nanoTime() - started) / 1e6,
                        overTls ? " over TLS" : "");
                return 0;
            }
        });
    }
}
