package org.deidgateway.cli;

import org.deidgateway.config.DestinationConfig;
import org.deidgateway.forward.DeliveryChannel.DeliveryException;
import org.deidgateway.forward.Destination;
import org.deidgateway.forward.DicomChannel;
import org.deidgateway.forward.DicomStoreClient;
import org.deidgateway.forward.StowRsChannel;
import org.deidgateway.tls.TlsMaterial;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.concurrent.Callable;

@Command(name = "echo", mixinStandardHelpOptions = true,
        description = {"C-ECHO a DICOM peer: a configured destination (--destination NAME) or any AE@HOST:PORT, "
                + "calling as the gateway's AE title. Exit 0 if it answered Success.",
                "For a STOW-RS destination: an HTTP GET of its URL asking for at most one study, which proves the "
                + "server reachable, its certificate trusted and the credentials (auth-env, read from this command's "
                + "environment) accepted. Exit 0 if it answered 2xx, or 405 (the resource exists but only takes POST).",
                "Over TLS when the destination has tls: true, or with --tls; that opens the gateway keystore "
                        + "(passphrase from DEID_PASSPHRASE or a prompt) for its trusted certificates and its own."})
final class EchoCommand implements Callable<Integer> {

    @Option(names = "--home", required = true, paramLabel = "DIR", description = "Installation home.")
    Path home;
    @Option(names = "--destination", paramLabel = "NAME", description = "A configured DICOM or STOW-RS destination.")
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
                    if (d.stowRs() != null) {
                        return probe(d);
                    }
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

    private static int probe(DestinationConfig d) throws CliException {
        long started = System.nanoTime();
        int status;
        try (StowRsChannel channel = new StowRsChannel(ServeCommand.stowRsEndpoint(d), null)) {
            status = channel.probe();
        } catch (DeliveryException e) {
            throw new CliException(d.name() + ": " + e.getMessage(), CliException.FAILURE);
        }
        double millis = (System.nanoTime() - started) / 1e6;
        String answered = String.format("%s answered HTTP %d in %.0f ms", d.stowRs(), status, millis);
        if ((status >= 200 && status < 300) || status == 405) {
            System.out.println(answered);
            return 0;
        }
        String why = switch (status) {
            case 401 -> ": it wants credentials, or refuses these (auth, auth-env)";
            case 403 -> ": the credentials are not allowed there";
            case 404 -> ": no DICOMweb service at this URL (it should end in /studies)";
            default -> "";
        };
        throw new CliException(answered + why, CliException.FAILURE);
    }
}
