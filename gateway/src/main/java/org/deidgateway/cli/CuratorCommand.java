package org.deidgateway.cli;

import org.deidgateway.audit.AuditEvent;
import org.deidgateway.keystore.GatewayKeystore;
import org.deidgateway.store.StoreException;
import org.deidgateway.vault.Curator;
import org.deidgateway.vault.CuratorKeystore;
import org.deidgateway.vault.CuratorRegistry;
import org.deidgateway.vault.Resealer;
import org.deidgateway.vault.VaultException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

@Command(name = "curator", mixinStandardHelpOptions = true,
        description = {"Curators: the people who may re-identify. Each holds their own passphrase-protected keystore; "
                + "the installation keeps only their public keys, and seals every correspondence record to all of them.",
                "add and remove need the gateway keystore (DEID_PASSPHRASE); a curator keystore's passphrase comes from "
                + "DEID_CURATOR_PASSPHRASE, an existing curator's from DEID_EXISTING_CURATOR_PASSPHRASE, or a prompt."},
        subcommands = {CuratorCommand.Add.class, CuratorCommand.ListCurators.class, CuratorCommand.Remove.class,
                CuratorCommand.Reseal.class})
final class CuratorCommand extends CommandGroup {

    @Command(name = "add", mixinStandardHelpOptions = true,
            description = {"Create a curator's own keystore (RSA-3072, PKCS#12) at --out and register its public key.",
                    "Records sealed before are opened for the new curator only with an existing curator's keystore "
                    + "(--existing-keystore); without it they stay closed to them until 'deid curator reseal'."})
    static final class Add implements java.util.concurrent.Callable<Integer> {
        @Option(names = "--home", required = true, paramLabel = "DIR", description = "Installation home.")
        Path home;
        @Option(names = "--name", required = true, paramLabel = "NAME", description = "The curator's name, as the audit shows it.")
        String name;
        @Option(names = "--out", required = true, paramLabel = "FILE", description = "Where to write the new keystore (not in the home).")
        Path out;
        @Option(names = "--existing-keystore", paramLabel = "FILE",
                description = "An existing curator's keystore, to re-seal the existing records to the new curator.")
        Path existing;

        @Override
        public Integer call() {
            return Cli.run(() -> {
                try (HomeAccess access = HomeAccess.open(home)) {
                    checkNewKeystoreTarget(name, out, home);
                    GatewayKeystore keystore = access.keystore();
                    CuratorKeystore existingKeystore = existing == null ? null
                            : access.curatorKeystore(existing, Passphrases.existingCurator());
                    Curator source = existingKeystore == null ? null : activeCurator(access, existingKeystore);
                    Curator curator = createAndRegister(access, name, out, Passphrases.curator(true));
                    System.out.println("added curator " + curator.name() + ", key " + curator.shortFingerprint()
                            + ", keystore " + out.toAbsolutePath() + " (give it to the curator; keep it out of the home)");
                    long[] readable = new CuratorRegistry(access.database()).readableParts(curator);
                    if (readable[1] > 0 && source == null) {
                        System.err.println("deid: note: " + readable[1] + " existing records are not readable by " + name
                                + " until a curator runs: deid curator reseal --home " + home + " --name '" + name
                                + "' --curator-keystore THEIR_KEYSTORE");
                    } else if (readable[1] > 0) {
                        reseal(access, curator, source, existingKeystore);
                    }
                    access.checkpoint(keystore);
                    return 0;
                }
            });
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true,
            description = "List curators: name, key fingerprint, when added or removed, and how many records each can open.")
    static final class ListCurators implements java.util.concurrent.Callable<Integer> {
        @Option(names = "--home", required = true, paramLabel = "DIR", description = "Installation home.")
        Path home;

        @Override
        public Integer call() {
            return Cli.run(() -> {
                try (HomeAccess access = HomeAccess.open(home)) {
                    CuratorRegistry registry = new CuratorRegistry(access.database());
                    List<Curator> all = registry.all();
                    if (all.isEmpty()) {
                        System.out.println("no curators; add one with: deid curator add --home " + home + " --name NAME --out FILE");
                        return 0;
                    }
                    System.out.printf("%-24s %-16s %-20s %-28s %s%n", "NAME", "KEY", "ADDED", "STATUS", "CAN OPEN");
                    for (Curator c : all) {
                        long[] readable = registry.readableParts(c);
                        System.out.printf("%-24s %-16s %-20s %-28s %d of %d records%n", c.name(), c.shortFingerprint(),
                                c.addedAt(), c.active() ? "active" : "removed " + c.removedAt(), readable[0], readable[1]);
                    }
                    return 0;
                }
            });
        }
    }

    @Command(name = "remove", mixinStandardHelpOptions = true,
            description = {"Remove a curator: their wrapped keys are deleted, so their keystore opens nothing any more.",
                    "Refused for the last curator while records exist (they could never be opened again)."})
    static final class Remove implements java.util.concurrent.Callable<Integer> {
        @Option(names = "--home", required = true, paramLabel = "DIR", description = "Installation home.")
        Path home;
        @Option(names = "--name", required = true, paramLabel = "NAME", description = "The curator to remove.")
        String name;

        @Override
        public Integer call() {
            return Cli.run(() -> {
                try (HomeAccess access = HomeAccess.open(home)) {
                    GatewayKeystore keystore = access.keystore();
                    Curator removed = access.database().inTransaction(c -> {
                        Curator r = new CuratorRegistry(access.database()).remove(name);
                        access.audit().append(AuditEvent.CURATOR_REMOVED, HomeAccess.operator(),
                                Map.of("curator", r.name(), "key", r.fingerprint()));
                        return r;
                    });
                    access.database().checkpointAndTruncateLog();
                    access.checkpoint(keystore);
                    System.out.println("removed curator " + removed.name() + " (key " + removed.shortFingerprint() + ")");
                    return 0;
                }
            });
        }
    }

    @Command(name = "reseal", mixinStandardHelpOptions = true,
            description = "Open every record a registered curator cannot open yet with an existing curator's keystore, "
                    + "and seal it to them too.")
    static final class Reseal implements java.util.concurrent.Callable<Integer> {
        @Option(names = "--home", required = true, paramLabel = "DIR", description = "Installation home.")
        Path home;
        @Option(names = "--name", required = true, paramLabel = "NAME", description = "The curator to seal the records to.")
        String name;
        @Option(names = "--curator-keystore", required = true, paramLabel = "FILE",
                description = "Keystore of a curator who can open the records (passphrase: DEID_CURATOR_PASSPHRASE).")
        Path keystoreFile;

        @Override
        public Integer call() {
            return Cli.run(() -> {
                try (HomeAccess access = HomeAccess.open(home)) {
                    Curator target = new CuratorRegistry(access.database()).activeByName(name)
                            .orElseThrow(() -> new CliException("no active curator named '" + name + "'", CliException.FAILURE));
                    CuratorKeystore keystore = access.curatorKeystore(keystoreFile, Passphrases.curator(false));
                    reseal(access, target, activeCurator(access, keystore), keystore);
                    return 0;
                }
            });
        }
    }

    static void reseal(HomeAccess access, Curator target, Curator source, CuratorKeystore sourceKeystore)
            throws StoreException {
        long total = new CuratorRegistry(access.database()).readableParts(target)[1];
        Progress progress = new Progress((int) Math.min(Integer.MAX_VALUE, total));
        Resealer.Result result = new Resealer(access.vault()).reseal(target, source, sourceKeystore,
                done -> progress.step((int) done, 0));
        progress.finish();
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("to", target.name());
        details.put("by", source.name());
        details.put("resealed", result.resealed());
        details.put("not-openable-by-source", result.notOpenableBySource());
        details.put("tampered", result.tampered());
        access.audit().append(AuditEvent.RECORDS_RESEALED, source.name(), details);
        System.out.println("re-sealed " + result.resealed() + " records to " + target.name()
                + (result.notOpenableBySource() > 0 ? ", " + result.notOpenableBySource() + " not openable by "
                + source.name() : "") + (result.tampered() > 0 ? ", " + result.tampered() + " TAMPERED (left as they are)" : ""));
    }

    static Curator activeCurator(HomeAccess access, CuratorKeystore keystore) throws VaultException, StoreException {
        return new CuratorRegistry(access.database()).requireActive(keystore, access.vault().installationId(), "curator");
    }

    /** Checks before any passphrase is asked that the new keystore can be written and stays out of the home. */
    static void checkNewKeystoreTarget(String name, Path out, Path home) throws CliException {
        if (!name.matches(CuratorKeystore.NAME_PATTERN)) {
            throw new CliException("curator name '" + name + "' must be 1 to 64 letters, digits, spaces or . _ ' -");
        }
        if (Files.exists(out)) {
            throw new CliException(out + " already exists; refusing to overwrite a keystore", CliException.FAILURE);
        }
        Path parent = out.toAbsolutePath().normalize().getParent();
        if (parent == null || !Files.isDirectory(parent)) {
            throw new CliException(out + ": its folder does not exist", CliException.FAILURE);
        }
        if (parent.startsWith(home.toAbsolutePath().normalize())) {
            throw new CliException(out + " is inside the home " + home + ": a curator keystore must be kept apart from "
                    + "the gateway, or whoever holds the gateway's disk holds the curator's key too", CliException.FAILURE);
        }
    }

    /** Creates the keystore file, then registers its public key; if registering fails the file goes. */
    static Curator createAndRegister(HomeAccess access, String name, Path out, char[] passphrase)
            throws VaultException, StoreException {
        CuratorKeystore keystore;
        try {
            keystore = CuratorKeystore.create(out, passphrase, name, access.vault().installationId());
        } finally {
            Arrays.fill(passphrase, '\0');
        }
        boolean registered = false;
        try {
            Curator curator = access.database().inTransaction(c -> {
                Curator added = new CuratorRegistry(access.database()).add(name, keystore.publicKey());
                access.audit().append(AuditEvent.CURATOR_ADDED, HomeAccess.operator(),
                        Map.of("curator", added.name(), "key", added.fingerprint()));
                return added;
            });
            registered = true;
            return curator;
        } finally {
            if (!registered) {
                try {
                    Files.deleteIfExists(out);
                } catch (IOException ignored) {
                    // an unregistered keystore opens nothing here; the error above is what matters
                }
            }
        }
    }
}
