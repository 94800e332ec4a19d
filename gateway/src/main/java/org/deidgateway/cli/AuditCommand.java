package org.deidgateway.cli;

import org.deidgateway.audit.AuditEntry;
import org.deidgateway.audit.AuditVerification;
import org.deidgateway.keystore.GatewayKeystore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "audit", mixinStandardHelpOptions = true,
        description = "The audit trail: every de-identification run (counts and pseudonyms), curator change, "
                + "re-identification (curator, approver, reason) and wrong passphrase, hash-chained.",
        subcommands = {AuditCommand.Show.class, AuditCommand.Verify.class})
final class AuditCommand extends CommandGroup {

    @Command(name = "show", mixinStandardHelpOptions = true, description = "Print the newest entries, oldest first.")
    static final class Show implements Callable<Integer> {
        @Option(names = "--home", required = true, paramLabel = "DIR", description = "Installation home.")
        Path home;
        @Option(names = "--last", defaultValue = "50", paramLabel = "N", description = "How many entries. Default: ${DEFAULT-VALUE}.")
        int last;

        @Override
        public Integer call() {
            return Cli.run(() -> {
                if (last < 1) {
                    throw new CliException("--last must be at least 1");
                }
                try (HomeAccess access = HomeAccess.open(home)) {
                    List<AuditEntry> entries = access.audit().last(last);
                    for (AuditEntry e : entries) {
                        System.out.printf("#%-6d %s  %-34s %-24s %s%n", e.seq(), e.at(), e.event(), e.actor(), e.details());
                    }
                    if (entries.isEmpty()) {
                        System.out.println("the audit trail is empty");
                    }
                    return 0;
                }
            });
        }
    }

    @Command(name = "verify", mixinStandardHelpOptions = true,
            description = {"Check every link of the chain and the checkpoint sealed with the audit key (which needs the "
                    + "gateway keystore, DEID_PASSPHRASE). Reports the first broken link and exits 1 if there is one.",
                    "--chain-only checks the links without the keystore: it finds an altered or deleted entry, not a "
                    + "rewritten chain or removed newest entries."})
    static final class Verify implements Callable<Integer> {
        @Option(names = "--home", required = true, paramLabel = "DIR", description = "Installation home.")
        Path home;
        @Option(names = "--chain-only", description = "Check the links only, without the gateway keystore.")
        boolean chainOnly;

        @Override
        public Integer call() {
            return Cli.run(() -> {
                try (HomeAccess access = HomeAccess.open(home)) {
                    byte[] key = null;
                    if (!chainOnly) {
                        GatewayKeystore keystore = access.keystore();
                        key = keystore.auditKey();
                    }
                    AuditVerification result;
                    try {
                        result = access.audit().verify(key);
                    } finally {
                        if (key != null) {
                            Arrays.fill(key, (byte) 0);
                        }
                    }
                    if (result.intact()) {
                        System.out.println("audit trail intact: " + result.entries() + " entries, head #" + result.headSeq()
                                + (result.checkpointChecked() ? ", sealed checkpoint verified" : ", links only (checkpoint not checked)"));
                        return 0;
                    }
                    System.out.println("audit trail BROKEN at #" + result.firstBrokenSeq() + ": " + result.problem());
                    return CliException.FAILURE;
                }
            });
        }
    }
}
