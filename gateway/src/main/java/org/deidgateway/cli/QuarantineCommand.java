package org.deidgateway.cli;

import org.deidgateway.audit.AuditEvent;
import org.deidgateway.pipeline.Quarantine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "quarantine", mixinStandardHelpOptions = true,
        description = "Objects held back instead of forwarded: not de-identifiable, or pixels that may show identity.",
        subcommands = {QuarantineCommand.ListHeld.class, QuarantineCommand.Release.class, QuarantineCommand.Delete.class})
final class QuarantineCommand extends CommandGroup {

    static Quarantine quarantine(HomeAccess access) throws Exception {
        Path home = access.layout.home();
        return new Quarantine(access.database(), home.resolve("quarantine"), home.resolve("spool"));
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "Held objects with where they came from and why.")
    static final class ListHeld implements Callable<Integer> {
        @Option(names = "--home", required = true, paramLabel = "DIR", description = "Installation home.")
        Path home;

        @Override
        public Integer call() {
            return Cli.run(() -> {
                try (HomeAccess access = HomeAccess.open(home)) {
                    List<Quarantine.Held> held = quarantine(access).list();
                    for (Quarantine.Held h : held) {
                        System.out.printf("#%-6d %s  from %s to %s  %s%n        %s%n", h.id(), h.receivedAt(), h.callingAe(),
                                h.calledAe(), h.sopClassUid(), h.reason());
                    }
                    System.out.println(held.size() + " objects in quarantine; the files are in " + home.resolve("quarantine"));
                    return 0;
                }
            });
        }
    }

    @Command(name = "release", mixinStandardHelpOptions = true,
            description = "After a person has checked its pixels: de-identify and forward a held object without the "
                    + "quarantine rules (a running gateway does it within a second). Audited with the reason.")
    static final class Release implements Callable<Integer> {
        @Option(names = "--home", required = true, paramLabel = "DIR", description = "Installation home.")
        Path home;
        @Option(names = "--id", required = true, paramLabel = "N", description = "The object (deid quarantine list).")
        long id;
        @Option(names = "--reason", required = true, paramLabel = "TEXT", description = "Why it may go (audited).")
        String reason;

        @Override
        public Integer call() {
            return Cli.run(() -> {
                try (HomeAccess access = HomeAccess.open(home)) {
                    quarantine(access).release(id);
                    access.audit().append(AuditEvent.QUARANTINE_RELEASED, HomeAccess.operator(),
                            Map.of("object", id, "reason", reason.strip()));
                    System.out.println("released #" + id + "; it is processed without the quarantine rules");
                    return 0;
                }
            });
        }
    }

    @Command(name = "delete", mixinStandardHelpOptions = true, description = "Delete a held object for good (audited).")
    static final class Delete implements Callable<Integer> {
        @Option(names = "--home", required = true, paramLabel = "DIR", description = "Installation home.")
        Path home;
        @Option(names = "--id", required = true, paramLabel = "N", description = "The object (deid quarantine list).")
        long id;

        @Override
        public Integer call() {
            return Cli.run(() -> {
                try (HomeAccess access = HomeAccess.open(home)) {
                    quarantine(access).delete(id);
                    access.audit().append(AuditEvent.QUARANTINE_DELETED, HomeAccess.operator(), Map.of("object", id));
                    System.out.println("deleted #" + id);
                    return 0;
                }
            });
        }
    }
}
