package org.deidgateway.cli;

import org.deidgateway.audit.AuditEvent;
import org.deidgateway.audit.AuditVerification;
import org.deidgateway.config.ConfigFile;
import org.deidgateway.config.DatabaseConfig;
import org.deidgateway.config.GatewayConfig;
import org.deidgateway.config.HomeLayout;
import org.deidgateway.keystore.GatewayKeystore;
import org.deidgateway.store.PostgresqlLocation;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.Map;
import java.util.stream.Stream;

/**
 * {@code deid init --join HOME}: a second gateway node's home, made from an existing node's home
 * (copied to this box by hospital IT, or reachable): the same keystore, projects, profiles and
 * destinations, the same shared PostgreSQL database, under a node name of its own. The keystore is
 * proved to belong to that database before the home is kept: its audit key must verify the
 * database's sealed audit checkpoint.
 */
final class NodeJoin {

    private NodeJoin() {
    }

    static int join(Path home, Path from, String node) throws Exception {
        HomeLayout source = new HomeLayout(from);
        if (!Files.isRegularFile(source.configFile()) || !Files.isRegularFile(source.keystore())) {
            throw new CliException(from + " is not a gateway home (no deid.yaml and keystore.p12 in it)");
        }
        GatewayConfig config = ConfigFile.read(source.configFile());
        DatabaseConfig database = config.databaseOrDefault();
        if (database.server().isEmpty()) {
            throw new CliException(from + " keeps its tables in its own SQLite file; only a home on a shared PostgreSQL"
                    + " database (deid init --database postgresql://...) can be joined by another node");
        }
        if (node == null) {
            throw new CliException("--join needs --node NAME: the new node's name, different from every other node's");
        }
        if (!PostgresqlLocation.validNode(node)) {
            throw new CliException("--node '" + node + "' must be lower-case letters, digits and _ (at most 24)");
        }
        if (node.equals(database.nodeOrDefault())) {
            throw new CliException("--node " + node + " is the name of the node whose home is joined; each node needs its own");
        }
        // asked as the joined node: opening as the new one would already make its tables
        try (org.deidgateway.store.Database shared = HomeAccess.openDatabase(source, config)) {
            if (shared.nodes().contains(node)) {
                throw new CliException("a node named " + node + " already works on " + shared.location() + "; choose another --node");
            }
        }
        HomeLayout layout = new HomeLayout(home);
        InitCommand.prepareEmptyHome(home);
        boolean done = false;
        try {
            Files.copy(source.keystore(), layout.keystore(), StandardCopyOption.COPY_ATTRIBUTES);
            Files.setPosixFilePermissions(layout.keystore(), PosixFilePermissions.fromString("rw-------"));
            copyProfiles(source.profiles(), layout.profiles());
            ConfigFile.write(layout.configFile(), config.withDatabase(new DatabaseConfig(database.url(), database.passwordEnv(), node)));
            try (HomeAccess access = HomeAccess.open(home)) {
                GatewayKeystore keystore = access.keystore();
                byte[] key = keystore.auditKey();
                AuditVerification verified;
                try {
                    verified = access.audit().verify(key);
                } finally {
                    Arrays.fill(key, (byte) 0);
                }
                if (!verified.intact() || !verified.checkpointChecked()) {
                    throw new CliException("the keystore of " + from + " does not verify the audit trail of "
                            + access.database().location() + " (" + (verified.intact() ? "no sealed checkpoint"
                            : verified.problem()) + "); not joining");
                }
                access.audit().append(AuditEvent.NODE_JOINED, HomeAccess.operator(), Map.of("node", node,
                        "home", home.toAbsolutePath().toString()));
                access.checkpoint(keystore);
                System.out.println("Joined " + access.database().location() + " as node " + node + " in " + home.toAbsolutePath());
                System.out.println("  keystore, projects, profiles and destinations copied from " + from.toAbsolutePath());
                System.out.println("  the password of the database is read from $" + database.passwordEnvOrDefault());
            }
            done = true;
            return 0;
        } finally {
            if (!done) {
                removeQuietly(home);
            }
        }
    }

    private static void copyProfiles(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        if (!Files.isDirectory(from)) {
            return;
        }
        try (Stream<Path> files = Files.list(from)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                if (Files.isRegularFile(f)) {
                    Files.copy(f, to.resolve(f.getFileName()));
                }
            }
        }
    }

    /** Only what this command made: the home was empty or missing before. */
    private static void removeQuietly(Path home) {
        try (Stream<Path> all = Files.walk(home)) {
            all.sorted(java.util.Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException ignored) {
                    // best effort: the user is told the join failed
                }
            });
        } catch (IOException ignored) {
            // nothing was made
        }
    }
}
