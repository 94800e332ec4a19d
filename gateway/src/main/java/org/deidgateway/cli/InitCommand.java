package org.deidgateway.cli;

import org.deidgateway.config.ConfigFile;
import org.deidgateway.config.GatewayConfig;
import org.deidgateway.config.HomeLayout;
import org.deidgateway.config.ProjectConfig;
import org.deidgateway.keystore.GatewayKeystore;
import org.deidgateway.profile.ProfileCatalog;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

@Command(name = "init", mixinStandardHelpOptions = true,
        description = {"Create an installation home: deid.yaml with one project, and a PKCS#12 keystore "
                + "holding the project's 256-bit master secret (see keystore-template/README.md).",
                "The keystore passphrase is read from DEID_PASSPHRASE or asked for on the terminal. "
                + "Refuses to touch an existing, non-empty directory."})
final class InitCommand implements Callable<Integer> {

    @Option(names = "--home", required = true, paramLabel = "DIR", description = "Installation home to create.")
    Path home;

    @Option(names = "--project", defaultValue = "default", paramLabel = "NAME",
            description = "Name of the first project (lower-case letters, digits, '-'). Default: ${DEFAULT-VALUE}.")
    String project;

    @Option(names = "--profile", defaultValue = "pseudonymize", paramLabel = "PROFILE",
            description = "Confidentiality profile of the project (deid profile list). Default: ${DEFAULT-VALUE}.")
    String profile;

    @Option(names = "--pseudonym-prefix", paramLabel = "PREFIX",
            description = "Start of the project's patient pseudonyms. Default: the project name in upper case.")
    String prefix;

    @Override
    public Integer call() throws Exception {
        return Cli.run(() -> {
            if (!project.matches(ProjectConfig.NAME_PATTERN)) {
                throw new CliException("--project '" + project + "' must match " + ProjectConfig.NAME_PATTERN);
            }
            ProfileCatalog.forHome(null).load(profile);
            String pseudonymPrefix = prefix == null ? ProjectConfig.defaultPrefix(project) : prefix;
            GatewayConfig config = new GatewayConfig(GatewayConfig.CURRENT_VERSION,
                    List.of(new ProjectConfig(project, profile, pseudonymPrefix)));
            HomeLayout layout = new HomeLayout(home);
            prepareEmptyHome(home);
            char[] passphrase = Passphrases.gateway(true);
            boolean done = false;
            try {
                GatewayKeystore.create(layout.keystore(), passphrase, project);
                ConfigFile.write(layout.configFile(), config);
                Files.createDirectories(layout.profiles());
                done = true;
            } finally {
                if (!done) {
                    removeQuietly(layout);
                }
            }
            System.out.println("Created installation home " + home.toAbsolutePath());
            System.out.println("  project " + project + ", profile " + profile + ", pseudonyms " + pseudonymPrefix + "-...");
            System.out.println("  config   " + layout.configFile());
            System.out.println("  keystore " + layout.keystore() + " (keep its passphrase safe: without it no pseudonym can be reproduced)");
            return 0;
        });
    }

    private static void prepareEmptyHome(Path home) throws CliException, IOException {
        if (Files.exists(home)) {
            if (!Files.isDirectory(home)) {
                throw new CliException(home + " exists and is not a directory; refusing to overwrite it", CliException.FAILURE);
            }
            try (Stream<Path> entries = Files.list(home)) {
                if (entries.findAny().isPresent()) {
                    throw new CliException(home + " exists and is not empty; refusing to overwrite an existing home",
                            CliException.FAILURE);
                }
            }
        } else {
            Path parent = home.toAbsolutePath().getParent();
            if (parent != null && !Files.isDirectory(parent)) {
                throw new CliException(parent + " does not exist", CliException.FAILURE);
            }
            Files.createDirectory(home, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        }
    }

    private static void removeQuietly(HomeLayout layout) {
        for (Path p : List.of(layout.keystore(), layout.configFile(), layout.profiles())) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException ignored) {
                // best effort: the user is told init failed and the home is not usable
            }
        }
    }
}
