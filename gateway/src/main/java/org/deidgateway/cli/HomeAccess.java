package org.deidgateway.cli;

import org.deidgateway.audit.AuditEvent;
import org.deidgateway.audit.AuditLog;
import org.deidgateway.config.ConfigException;
import org.deidgateway.config.ConfigFile;
import org.deidgateway.config.GatewayConfig;
import org.deidgateway.config.HomeLayout;
import org.deidgateway.config.ProjectConfig;
import org.deidgateway.deid.Deidentifier;
import org.deidgateway.deid.DeidentifierFactory;
import org.deidgateway.keystore.GatewayKeystore;
import org.deidgateway.keystore.KeystoreException;
import org.deidgateway.profile.ConfidentialityProfile;
import org.deidgateway.pseudonym.EupidStylePseudonyms;
import org.deidgateway.pseudonym.PseudonymScheme;
import org.deidgateway.store.Database;
import org.deidgateway.store.StoreException;
import org.deidgateway.vault.CuratorKeystore;
import org.deidgateway.vault.IdentityVault;
import org.deidgateway.vault.VaultException;
import org.deidgateway.vault.WrongPassphraseException;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Opens an installation home for a command: checks it is one, reads and validates its config, and
 * opens the database, the vault and the keystores on demand. Wrong passphrases are audited here.
 */
final class HomeAccess implements AutoCloseable {

    private static final String CONFIG_HASH_KEY = "config.sha256";

    final HomeLayout layout;
    private final GatewayConfig config;
    private Database database;
    private IdentityVault vault;

    private HomeAccess(HomeLayout layout, GatewayConfig config) {
        this.layout = layout;
        this.config = config;
    }

    static HomeAccess open(Path home) throws ConfigException {
        HomeLayout layout = new HomeLayout(home);
        if (!Files.isDirectory(home)) {
            throw new ConfigException(home + " is not a directory; create an installation with: deid init --home " + home);
        }
        if (!Files.isRegularFile(layout.configFile())) {
            throw new ConfigException(home + " is not a deid-gateway home (no deid.yaml); create one with: deid init --home "
                    + home);
        }
        return new HomeAccess(layout, ConfigFile.read(layout.configFile()));
    }

    GatewayConfig config() {
        return config;
    }

    /** The named project, or the only one when no name is given. */
    ProjectConfig project(String name) throws CliException {
        if (name == null) {
            if (config.projects().size() == 1) {
                return config.projects().get(0);
            }
            throw new CliException("this home has several projects; choose one with --project (" + projectNames() + ")");
        }
        return config.project(name).orElseThrow(() -> new CliException("no project '" + name + "' in "
                + layout.configFile() + " (projects: " + projectNames() + ")"));
    }

    Database database() throws StoreException {
        if (database == null) {
            database = openDatabase(layout, config);
            auditConfigChange(database);
        }
        return database;
    }

    /** The home's SQLite file, or the PostgreSQL database its config names, with the password from the environment. */
    static Database openDatabase(HomeLayout layout, GatewayConfig config) throws StoreException {
        org.deidgateway.config.DatabaseConfig settings = config.databaseOrDefault();
        java.util.Optional<org.deidgateway.store.PostgresqlLocation> server = settings.server();
        if (server.isEmpty()) {
            return Database.open(layout.database());
        }
        String password = System.getenv(settings.passwordEnvOrDefault());
        if (password == null || password.isEmpty()) {
            throw new StoreException(server.get() + ": the environment variable " + settings.passwordEnvOrDefault()
                    + " (database.password-env) holds no password for the database");
        }
        return Database.openPostgresql(server.get(), settings.nodeOrDefault(), password);
    }

    /**
     * A new home must not take over tables another installation made (its keys would not open
     * them): on a shared database, a second node joins an installation instead.
     */
    void requireNoInstallationYet() throws StoreException, CliException {
        if (database != null) {
            throw new IllegalStateException("the database is open already");
        }
        // checked before anything is written to it: not even a config-change entry in another installation's audit
        Database db = openDatabase(layout, config);
        boolean used;
        try {
            used = db.read(c -> {
                try (java.sql.Statement s = c.createStatement(); java.sql.ResultSet rs = s.executeQuery("SELECT count(*) FROM audit")) {
                    rs.next();
                    return rs.getLong(1) > 0;
                }
            });
        } catch (StoreException e) {
            db.close();
            throw e;
        }
        if (used) {
            db.close();
            throw new CliException(db.location() + " already holds an installation's tables; give this home a"
                    + " database (or ?schema=NAME) of its own");
        }
        database = db;
        auditConfigChange(db);
    }

    /**
     * deid.yaml is edited by hand (and later by deid config): each command that opens the database
     * compares the file's hash with the one it last saw and audits a change.
     */
    private void auditConfigChange(Database db) throws StoreException {
        String current;
        try {
            current = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                    .digest(Files.readAllBytes(layout.configFile())));
        } catch (java.io.IOException | java.security.NoSuchAlgorithmException e) {
            return; // the config was just read successfully; a race with an editor is audited next time
        }
        // each node has its own deid.yaml: on a shared database, each its own last-seen hash
        String key = db.node().isEmpty() ? CONFIG_HASH_KEY : CONFIG_HASH_KEY + ".node." + db.node();
        String previous = db.meta(key).orElse(null);
        if (current.equals(previous)) {
            return;
        }
        db.inTransaction(c -> {
            if (previous != null) {
                new AuditLog(db).append(AuditEvent.CONFIG_CHANGED, operator(),
                        Map.of("file", layout.configFile().toAbsolutePath().toString(), "sha256-before", previous, "sha256-after", current));
            }
            db.setMeta(key, current);
            return null;
        });
    }

    IdentityVault vault() throws StoreException {
        if (vault == null) {
            vault = IdentityVault.open(database());
        }
        return vault;
    }

    AuditLog audit() throws StoreException {
        return new AuditLog(database());
    }

    /** The gateway keystore, with the passphrase from the environment or a prompt; a wrong one is audited. */
    GatewayKeystore keystore() throws CliException, KeystoreException, StoreException {
        char[] passphrase = Passphrases.gateway(false);
        try {
            return GatewayKeystore.open(layout.keystore(), passphrase);
        } catch (KeystoreException e) {
            if (e.wrongPassphrase()) {
                auditFailedOpening(AuditEvent.KEYSTORE_WRONG_PASSPHRASE, layout.keystore(), e);
            }
            throw e;
        } finally {
            Arrays.fill(passphrase, '\0');
        }
    }

    /** A curator's keystore; a wrong passphrase is audited with the curator name the file claims, if any. */
    CuratorKeystore curatorKeystore(Path file, char[] passphrase) throws VaultException, StoreException {
        try {
            return CuratorKeystore.open(file, passphrase);
        } catch (WrongPassphraseException e) {
            auditFailedOpening(AuditEvent.CURATOR_KEYSTORE_WRONG_PASSPHRASE, file, e);
            throw e;
        } finally {
            Arrays.fill(passphrase, '\0');
        }
    }

    /**
     * Audits a wrong passphrase. If the database cannot take the entry (locked, read-only), the
     * user still learns that the passphrase was wrong, and that the attempt went unrecorded.
     */
    private void auditFailedOpening(AuditEvent event, Path keystore, Exception wrongPassphrase) {
        try {
            audit().append(event, operator(), Map.of("keystore", keystore.toString()));
        } catch (StoreException e) {
            wrongPassphrase.addSuppressed(e);
            System.err.println("deid: the failed attempt could not be audited: " + e.getMessage());
        }
    }

    /**
     * A pseudonymizing profile puts links in the vault that only curators open: without a curator
     * they could never be opened, so nothing is processed.
     */
    void requireCurators(ProjectConfig project, ConfidentialityProfile profile) throws CliException, StoreException {
        if (profile.pseudonymizes() && !vault().hasCurators()) {
            throw new CliException("project " + project.name() + " pseudonymizes patients (profile " + profile.name()
                    + ") but no curator is registered, so their links could never be opened; add one first: "
                    + "deid curator add --home " + layout.home() + " --name NAME --out FILE", CliException.FAILURE);
        }
    }

    /** The engine of a project: its keys from the keystore, its pseudonym scheme, the curators checked. */
    Deidentifier engine(ProjectConfig project, ConfidentialityProfile profile, GatewayKeystore keystore) throws Exception {
        requireCurators(project, profile);
        PseudonymScheme scheme = profile.pseudonymizes() && project.scheme().equals(ProjectConfig.SCHEME_EUPID_STYLE)
                ? new EupidStylePseudonyms(project.name(), vault(), new SecureRandom())
                : PseudonymScheme.KEYED;
        byte[] secret = keystore.projectMasterSecret(project.name());
        try {
            return DeidentifierFactory.create(project.name(), project.pseudonymPrefix(), profile, secret, scheme);
        } finally {
            Arrays.fill(secret, (byte) 0);
        }
    }

    /** Seals the audit trail's head with the audit key of an open gateway keystore. */
    void checkpoint(GatewayKeystore keystore) throws KeystoreException, StoreException {
        byte[] key = keystore.auditKey();
        try {
            audit().checkpoint(key);
        } finally {
            Arrays.fill(key, (byte) 0);
        }
    }

    /** Who runs the command, as the operating system knows them. */
    static String operator() {
        return "os-user:" + System.getProperty("user.name", "unknown");
    }

    private String projectNames() {
        return config.projects().stream().map(ProjectConfig::name).collect(Collectors.joining(", "));
    }

    @Override
    public void close() {
        if (database != null) {
            database.close();
        }
    }
}
