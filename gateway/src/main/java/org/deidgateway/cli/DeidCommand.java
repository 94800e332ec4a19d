package org.deidgateway.cli;

import io.quarkus.picocli.runtime.annotations.TopCommand;
import picocli.CommandLine.Command;

@TopCommand
@Command(name = "deid", mixinStandardHelpOptions = true, version = "deid-gateway 0.1.0",
        description = "Hospital-side DICOM de-identification gateway.",
        subcommands = {})
public class DeidCommand {
}
