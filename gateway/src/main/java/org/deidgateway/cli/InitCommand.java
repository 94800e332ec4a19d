package org.deidgateway.cli;

import org.deidgateway.audit.AuditEvent;
import org.deidgateway.config.ConfigFile;
import org.deidgateway.config.DatabaseConfig;
import org.deidgateway.config.GatewayConfig;
import org.deidgateway.config.HomeLayout;
import org.deidgateway.config.ProjectConfig;
import org.deidgateway.keystore.GatewayKeystore;
import org.deidgateway.profile.ConfidentialityProfile;
import org.deidgateway.profile.ProfileCatalog;
import org.deidgateway.vault.Curator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

@Command(name = "init", mixinStandardHelpOptions = true,
        description = {"Create an installation home: deid.yaml with one project, a PKCS#12 keystore "
                + "holding the project's 256-bit master secret and the audit key (see keystore-template/README.md), "
                + "and deid.db, the database with the sealed correspondence table and the audit trail.",
                "With --curator and --curator-out it also creates the first curator's own keystore: a pseudonymizing "
                + "project processes nothing until a curator can open its links.",
                "Passphrases: the gateway keystore's from DEID_PASSPHRASE, the curator keystore's from "
                + "DEID_CURATOR_PASSPHRASE (they must differ), or asked for on the terminal. "
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

    @Option(names = "--pseudonym-scheme", defaultValue = ProjectConfig.SCHEME_KEYED, paramLabel = "SCHEME",
            description = "keyed (keyed SHA-512/256 of the patient ID) or eupid-style (random CTX-... per project, "
                    + "kept in the vault). Default: ${DEFAULT-VALUE}.")
    String scheme;

    @Option(names = "--database", paramLabel = "URL",
            description = "Where the tables are: sqlite (deid.db in the home; the default) or "
                    + "postgresql://USER@HOST:PORT/DATABASE[?schema=NAME], a database several gateway nodes share. "
                    + "No password in the URL: it is read from the environment variable --database-password-env names.")
    String database;

    @Option(names = "--database-password-env", paramLabel = "NAME",
            description = "Environment variable holding the PostgreSQL password. Default: " + DatabaseConfig.DEFAULT_PASSWORD_ENV + ".")
    String databasePasswordEnv;

    @Option(names = "--join", paramLabel = "HOME",
            description = "Make this home a further node of an existing installation on a shared PostgreSQL database: "
                    + "keystore, projects, profiles and destinations are copied from HOME (an existing node's home), "
                    + "and the keystore must verify the database's audit trail. Needs --node.")
    Path joinFrom;

    @Option(names = "--node", paramLabel = "NAME",
            description = "This node's name on a shared database (lower-case letters, digits, _). Default: the host's name.")
    String node;

    @Option(names = "--curator", paramLabel = "NAME", description = "Name of the first curator (needs --curator-out).")
    String curatorName;

    @Option(names = "--curator-out", paramLabel = "FILE",
            description = "Where to write the first curator's keystore: give it to the curator; it never stays in the home.")
    Path curatorOut;

    @Override
    public Integer call() throws Exception {
        return Cli.run(() -> {
            if (joinFrom != null) {
                if (database != null || curatorName != null || curatorOut != null) {
                    throw new CliException("--join takes the database and curators of the joined installation;"
                            + " --database, --curator and --curator-out do not go with it");
                }
                return NodeJoin.join(home, joinFrom, node);
            }
            if (!project.matches(ProjectConfig.NAME_PATTERN)) {
                throw new CliException("--project '" + project + "' must match " + ProjectConfig.NAME_PATTERN);
            }
            if ((curatorName == null) != (curatorOut == null)) {
                throw new CliException("--curator and --curator-out go together");
            }
            if (!scheme.equals(ProjectConfig.SCHEME_KEYED) && !scheme.equals(ProjectConfig.SCHEME_EUPID_STYLE)) {
                throw new CliException("--pseudonym-scheme '" + scheme + "' must be keyed or eupid-style");
            }
            if (curatorName != null) {
                CuratorCommand.checkNewKeystoreTarget(curatorName, curatorOut, home);
            }
            ConfidentialityProfile confidentialityProfile = ProfileCatalog.forHome(null).load(profile);
            String pseudonymPrefix = prefix == null ? ProjectConfig.defaultPrefix(project) : prefix;
            GatewayConfig config = new GatewayConfig(GatewayConfig.CURRENT_VERSION,
                    List.of(new ProjectConfig(project, profile, pseudonymPrefix,
                            scheme.equals(ProjectConfig.SCHEME_KEYED) ? null : scheme)));
            DatabaseConfig databaseConfig = new DatabaseConfig(
                    database == null || DatabaseConfig.SQLITE.equals(database) ? null : database, databasePasswordEnv, node);
            if (node != null && databaseConfig.server().isEmpty()) {
                throw new CliException("--node names a node on a shared database; it goes with --database postgresql://...");
            }
            String databaseProblem = databaseConfig.problem();
            if (databaseProblem != null) {
                throw new CliException(databaseProblem.replace("database.url", "--database")
                        .replace("database.password-env", "--database-password-env"));
            }
            config = config.withDatabase(databaseConfig.equals(DatabaseConfig.DEFAULT) ? null : databaseConfig);
            HomeLayout layout = new HomeLayout(home);
            char[] passphrase = Passphrases.gateway(true);
            char[] curatorPassphrase = curatorName == null ? null : Passphrases.curator(true);
            if (curatorPassphrase != null && Arrays.equals(passphrase, curatorPassphrase)) {
                throw new CliException("the curator's passphrase must differ from the gateway keystore's: "
                        + "whoever runs the gateway must not be able to open the curator keystore");
            }
            prepareEmptyHome(home);
            boolean done = false;
            Curator curator = null;
            try {
                GatewayKeystore keystore = GatewayKeystore.create(layout.keystore(), passphrase, project);
                ConfigFile.write(layout.configFile(), config);
                Files.createDirectories(layout.profiles());
                try (HomeAccess access = HomeAccess.open(home)) {
                    access.requireNoInstallationYet();
                    access.audit().append(AuditEvent.INSTALLATION_CREATED, HomeAccess.operator(),
                            Map.of("project", project, "profile", profile, "pseudonym-scheme", scheme));
                    if (curatorName != null) {
                        curator = CuratorCommand.createAndRegister(access, curatorName, curatorOut, curatorPassphrase);
                    }
                    access.checkpoint(keystore);
                }
                done = true;
            } finally {
                Arrays.fill(passphrase, '\0');
                if (!done) {
                    removeQuietly(layout, curatorOut);
                }
            }
            System.out.println("Created installation home " + home.toAbsolutePath());
            System.out.println("  project " + project + ", profile " + profile + ", pseudonyms "
                    + (scheme.equals(ProjectConfig.SCHEME_KEYED) ? pseudonymPrefix + "-..." : "CTX-... (eupid-style)"));
            System.out.println("  config   " + layout.configFile());
            System.out.println("  keystore " + layout.keystore() + " (keep its passphrase safe: without it no pseudonym can be reproduced)");
            System.out.println("  database " + (databaseConfig.server().isPresent() ? databaseConfig.server().get()
                    + " (password from $" + databaseConfig.passwordEnvOrDefault() + ")" : layout.database())
                    + " (sealed correspondence table, audit trail)");
            if (curator != null) {
                System.out.println("  curator  " + curator.name() + ", key " + curator.shortFingerprint() + ", keystore "
                        + curatorOut.toAbsolutePath() + " (give it to the curator; it does not belong in the home)");
            } else if (confidentialityProfile.pseudonymizes()) {
                System.out.println("  no curator yet: profile " + profile + " pseudonymizes, so add one before de-identifying:");
                System.out.println("    deid curator add --home " + home + " --name NAME --out FILE");
            }
            return 0;
        });
    }

    static void prepareEmptyHome(Path home) throws CliException, IOException {
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

    private static void removeQuietly(HomeLayout layout, Path curatorOut) {
        List<Path> created = new java.util.ArrayList<>(List.of(layout.keystore(), layout.configFile(), layout.profiles(),
                layout.database(), Path.of(layout.database() + "-wal"), Path.of(layout.database() + "-shm")));
        if (curatorOut != null) {
            created.add(curatorOut);
        }
        for (Path p : created) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException ignored) {
                // best effort: the user is told init failed and the home is not usable
            }
        }
    }
}
