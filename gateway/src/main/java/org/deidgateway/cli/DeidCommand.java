package org.deidgateway.cli;

import io.quarkus.picocli.runtime.annotations.TopCommand;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@TopCommand
@Command(name = "deid", mixinStandardHelpOptions = true, version = "deid-gateway 0.1.0",
        description = {"Hospital-side DICOM de-identification gateway: de-identifies DICOM objects by the "
                + "PS3.15 Annex E confidentiality profiles and pseudonymizes patients with project keys.",
                "",
                "Start with: deid init --home DIR --curator NAME --curator-out FILE, then "
                + "deid deidentify --home DIR --out OUT FILES...; a curator opens a pseudonym with deid reidentify.",
                "Every command has --help."},
        subcommands = {InitCommand.class, ServeCommand.class, ConfigCommand.class, DestinationCommand.class,
                EchoCommand.class, QueueCommand.class, QuarantineCommand.class, CurationCommand.class, ReleaseCommand.class,
                DeidentifyCommand.class, CuratorCommand.class, ReidentifyCommand.class,
                AuditCommand.class, KeystoreCommand.class, TlsCommand.class, ProfileCommand.class, PixelRulesCommand.class,
                CatalogCommand.class, BenchCommand.class, BenchHistoryCommand.class})
public class DeidCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
