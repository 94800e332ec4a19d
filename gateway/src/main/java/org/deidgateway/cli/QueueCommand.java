package org.deidgateway.cli;

import org.deidgateway.audit.AuditEvent;
import org.deidgateway.forward.Outbox;
import org.deidgateway.pipeline.Processor;
import org.deidgateway.receive.IntakeLog;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "queue", mixinStandardHelpOptions = true,
        description = "The work in hand: objects received and not yet processed, and deliveries per destination "
                + "(pending, delivered, dead letters with the peer's last reason).",
        subcommands = {QueueCommand.Status.class, QueueCommand.Retry.class, QueueCommand.Purge.class})
final class QueueCommand extends CommandGroup {

    @Command(name = "status", mixinStandardHelpOptions = true, description = "Counts per stage and destination. "
            + "DELIVERED counts the deliveries still remembered: deid serve forgets a finished object "
            + "queue.keep-delivered-days (default 30) after it finished; the audit trail keeps the history.")
    static final class Status implements Callable<Integer> {
        @Option(names = "--home", required = true, paramLabel = "DIR", description = "Installation home.")
        Path home;

        @Override
        public Integer call() {
            return Cli.run(() -> {
                try (HomeAccess access = HomeAccess.open(home)) {
                    org.deidgateway.store.Database db = access.database();
                    // on a shared database every node's queue, since each node forwards only what it received
                    for (String node : db.nodes()) {
                        if (!node.isEmpty()) {
                            System.out.printf("node %s%s:%n", node, node.equals(db.node()) ? " (this one)" : "");
                        }
                        db.readAsNode(node, c -> {
                            print(db, c);
                            return null;
                        });
                    }
                    return 0;
                }
            });
        }
    }

    /** One node's counts; {@code c} reads that node's tables. */
    private static void print(org.deidgateway.store.Database db, java.sql.Connection c) throws java.sql.SQLException {
        System.out.printf("received, waiting to be processed: %d%nwaiting for pixel cleaning (OCR): %d%n"
                        + "pixels cleaned, waiting to be processed: %d%nquarantined: %d%n",
                IntakeLog.count(c, IntakeLog.STATE_RECEIVED), IntakeLog.count(c, org.deidgateway.pipeline.PixelStage.WAITING),
                IntakeLog.count(c, org.deidgateway.pipeline.PixelStage.CLEANED), IntakeLog.count(c, Processor.QUARANTINED));
        List<Outbox.DestinationCounts> counts = Outbox.counts(c);
        System.out.printf("%-20s %10s %10s %10s  %s%n", "DESTINATION", "PENDING", "DELIVERED", "DEAD", "LAST ERROR");
        for (Outbox.DestinationCounts d : counts) {
            System.out.printf("%-20s %10d %10d %10d  %s%n", d.destination(), d.pending(), d.delivered(), d.dead(),
                    d.lastError() == null ? "" : d.lastError());
        }
    }

    @Command(name = "retry", mixinStandardHelpOptions = true,
            description = "Try pending deliveries now instead of after their back-off, and put dead letters back in the "
                    + "queue (after the destination was fixed). A running gateway picks them up within a second.")
    static final class Retry implements Callable<Integer> {
        @Option(names = "--home", required = true, paramLabel = "DIR", description = "Installation home.")
        Path home;
        @Option(names = "--destination", paramLabel = "NAME", description = "Only this destination.")
        String destination;

        @Override
        public Integer call() {
            return Cli.run(() -> {
                try (HomeAccess access = HomeAccess.open(home)) {
                    Outbox outbox = new Outbox(access.database());
                    int revived = outbox.reviveDead(destination);
                    int due = outbox.retryNow(destination);
                    access.audit().append(AuditEvent.CONFIG_CHANGED, HomeAccess.operator(), Map.of("action", "queue retry",
                            "destination", destination == null ? "all" : destination, "dead-letters-revived", revived));
                    System.out.println(due + " deliveries due now (" + revived + " of them were dead letters)");
                    return 0;
                }
            });
        }
    }

    @Command(name = "purge", mixinStandardHelpOptions = true,
            description = "Forget dead letters for good (their de-identified files, and the received originals kept for them, are deleted); pending deliveries are never purged.")
    static final class Purge implements Callable<Integer> {
        @Option(names = "--home", required = true, paramLabel = "DIR", description = "Installation home.")
        Path home;
        @Option(names = "--destination", paramLabel = "NAME", description = "Only this destination.")
        String destination;

        @Override
        public Integer call() {
            return Cli.run(() -> {
                try (HomeAccess access = HomeAccess.open(home)) {
                    List<Outbox.Finished> unused = new Outbox(access.database()).purgeDead(destination);
                    for (Outbox.Finished f : unused) {
                        Files.deleteIfExists(access.layout.home().resolve("outbox").resolve(f.file()));
                        if (f.original() != null) {
                            // the received original waited for its copy's delivery; nothing waits any more
                            Files.deleteIfExists(access.layout.home().resolve("spool").resolve(f.original()));
                        }
                    }
                    access.audit().append(AuditEvent.CONFIG_CHANGED, HomeAccess.operator(), Map.of("action", "queue purge",
                            "destination", destination == null ? "all" : destination, "files-deleted", unused.size()));
                    System.out.println("purged dead letters; " + unused.size() + " files deleted");
                    return 0;
                }
            });
        }
    }
}
