package org.deidgateway.cli;

import org.deidgateway.config.ConfigFile;
import org.deidgateway.config.DestinationConfig;
import org.deidgateway.config.GatewayConfig;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "destination", mixinStandardHelpOptions = true,
        description = "Where de-identified objects are forwarded: a folder, a DICOM peer (C-STORE) or a STOW-RS URL. "
                + "Every destination gets every object, through its own durable outbox.",
        subcommands = {DestinationCommand.Add.class, DestinationCommand.ListDestinations.class, DestinationCommand.Remove.class})
final class DestinationCommand extends CommandGroup {

    @Command(name = "add", mixinStandardHelpOptions = true, description = "Add a destination (validated, audited).")
    static final class Add implements Callable<Integer> {
        @Option(names = "--home", required = true, paramLabel = "DIR", description = "Installation home.")
        Path home;
        @Option(names = "--name", required = true, paramLabel = "NAME", description = "Its name (lower-case letters, digits, '-').")
        String name;
        @ArgGroup(exclusive = true, multiplicity = "1")
        Target target;
        @Option(names = "--tls", description = "With --dicom: associate over TLS (1.3 or 1.2). The peer's certificate must "
                + "chain to one the gateway keystore trusts (deid tls trust) and name the host in AE@HOST:PORT; the "
                + "gateway's own certificate (deid tls generate or import) is presented if the peer asks for one.")
        boolean tls;
        @Option(names = "--associations", paramLabel = "N", description = "Deliveries to it at once (1 to 16, default 1): "
                + "DICOM associations, HTTP connections or folder writers. Each study goes through one of them, in order.")
        Integer associations;

        static final class Target {
            @Option(names = "--folder", paramLabel = "PATH", description = "A folder (PSEUDONYM/STUDY/SERIES/SOP.dcm inside).")
            Path folder;
            @Option(names = "--dicom", paramLabel = "AE@HOST:PORT", description = "A DICOM peer, by C-STORE.")
            String dicom;
            @Option(names = "--stow-rs", paramLabel = "URL", description = "A DICOMweb repository by STOW-RS: the URL of its "
                    + "/studies resource, e.g. https://repository.example.org/dicom-web/studies. Objects go in batches "
                    + "(up to 25 objects or 64 MiB per request) over HTTP/1.1; https certificates are checked against the "
                    + "JDK's trust store.")
            String stowRs;
        }

        @Option(names = "--auth", paramLabel = "bearer|basic", description = "With --stow-rs (https only): send a bearer "
                + "token or basic credentials, read by `deid serve` from the variable named by --auth-env.")
        String auth;
        @Option(names = "--auth-env", paramLabel = "VARIABLE", description = "With --auth: the environment variable that "
                + "holds the token (bearer) or USER:PASSWORD (basic) when `deid serve` runs, e.g. DEID_STOW_TOKEN. "
                + "Only its name is written to deid.yaml.")
        String authEnv;

        @Override
        public Integer call() {
            return Cli.run(() -> {
                HomeAccess access = HomeAccess.open(home);
                GatewayConfig config = access.config();
                if (config.destinationsOrEmpty().stream().anyMatch(d -> d.name().equals(name))) {
                    throw new CliException("a destination named '" + name + "' exists already", CliException.FAILURE);
                }
                if (tls && target.dicom == null) {
                    throw new CliException("--tls goes with --dicom" + (target.stowRs != null
                            ? "; a STOW-RS destination uses TLS through an https:// URL" : ""));
                }
                List<DestinationConfig> all = new ArrayList<>(config.destinationsOrEmpty());
                all.add(new DestinationConfig(name, target.folder == null ? null : target.folder.toAbsolutePath().toString(),
                        target.dicom, target.stowRs, auth, authEnv, tls ? Boolean.TRUE : null, associations));
                save(access, config.withDestinations(all), home);
                System.out.println("added destination " + name + (tls ? " (TLS)" : ""));
                if (tls) {
                    System.out.println("the gateway must trust its certificate: deid tls trust --home " + home
                            + " --name " + name + " --cert PEER.pem (check with: deid config validate --home " + home + ")");
                }
                return 0;
            });
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List destinations.")
    static final class ListDestinations implements Callable<Integer> {
        @Option(names = "--home", required = true, paramLabel = "DIR", description = "Installation home.")
        Path home;

        @Override
        public Integer call() {
            return Cli.run(() -> {
                try (HomeAccess access = HomeAccess.open(home)) {
                    for (DestinationConfig d : access.config().destinationsOrEmpty()) {
                        System.out.printf("%-20s %-8s %s%s%s%n", d.name(), d.kind(), d.target(), d.tlsOrFalse() ? " (TLS)" : "",
                                d.associationsOrDefault() > 1 ? " (" + d.associationsOrDefault() + " at once)" : "");
                    }
                    if (access.config().destinationsOrEmpty().isEmpty()) {
                        System.out.println("no destinations; add one with: deid destination add --home " + home
                                + " --name NAME --folder PATH");
                    }
                    return 0;
                }
            });
        }
    }

    @Command(name = "remove", mixinStandardHelpOptions = true,
            description = "Remove a destination. Deliveries still pending for it stay in the outbox until it is added again.")
    static final class Remove implements Callable<Integer> {
        @Option(names = "--home", required = true, paramLabel = "DIR", description = "Installation home.")
        Path home;
        @Option(names = "--name", required = true, paramLabel = "NAME", description = "The destination.")
        String name;

        @Override
        public Integer call() {
            return Cli.run(() -> {
                HomeAccess access = HomeAccess.open(home);
                GatewayConfig config = access.config();
                List<DestinationConfig> kept = config.destinationsOrEmpty().stream().filter(d -> !d.name().equals(name)).toList();
                if (kept.size() == config.destinationsOrEmpty().size()) {
                    throw new CliException("no destination named '" + name + "'", CliException.FAILURE);
                }
                save(access, config.withDestinations(kept), home);
                System.out.println("removed destination " + name);
                return 0;
            });
        }
    }

    static void save(HomeAccess access, GatewayConfig changed, Path home) throws Exception {
        ConfigFile.validate(access.layout.configFile(), changed);
        ConfigFile.write(access.layout.configFile(), changed);
        access.close();
        try (HomeAccess reopened = HomeAccess.open(home)) {
            reopened.database(); // audits the change
        }
    }
}
