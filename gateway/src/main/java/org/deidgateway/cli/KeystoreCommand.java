package org.deidgateway.cli;

import org.deidgateway.audit.AuditEvent;
import org.deidgateway.keystore.GatewayKeystore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "keystore", mixinStandardHelpOptions = true, description = "The gateway keystore of an installation.",
        subcommands = KeystoreCommand.Passwd.class)
final class KeystoreCommand extends CommandGroup {

    @Command(name = "passwd", mixinStandardHelpOptions = true,
            description = "Change the gateway keystore's passphrase: the current one from DEID_PASSPHRASE, the new one "
                    + "from DEID_NEW_PASSPHRASE, or both asked for. Every entry is re-protected and the file replaced "
                    + "atomically; the keys themselves stay, so pseudonyms do not change.")
    static final class Passwd implements Callable<Integer> {
        @Option(names = "--home", required = true, paramLabel = "DIR", description = "Installation home.")
        Path home;

        @Override
        public Integer call() {
            return Cli.run(() -> {
                try (HomeAccess access = HomeAccess.open(home)) {
                    GatewayKeystore keystore = access.keystore();
                    char[] fresh = Passphrases.newGateway();
                    try {
                        keystore.changePassphrase(fresh);
                    } finally {
                        Arrays.fill(fresh, '\0');
                    }
                    access.audit().append(AuditEvent.KEYSTORE_PASSPHRASE_CHANGED, HomeAccess.operator(),
                            Map.of("keystore", access.layout.keystore().toString()));
                    access.checkpoint(keystore);
                    System.out.println("changed the passphrase of " + access.layout.keystore());
                    return 0;
                }
            });
        }
    }
}
