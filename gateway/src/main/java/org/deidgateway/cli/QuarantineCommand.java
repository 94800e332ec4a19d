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
        subcommands = {QuarantineCommand.ListHeld.class, QuarantineCommand.Show.class, QuarantineCommand.Release.class,
                QuarantineCommand.Delete.class})
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

    @Command(name = "show", mixinStandardHelpOptions = true,
            description = {"One held object: where it came from and why it is held. With --png, its first frame as a "
                    + "picture with the regions the gateway would blank (blue: mask rules), and the words OCR reads "
                    + "(red: a name, ID or date of this object, or date- or ID-like; yellow: other text), so a curator can "
                    + "look instead of read. The picture shows the original pixels: it is identifying, keep it inside the "
                    + "hospital. Viewing is audited.",
                    "Exit code 0; 2 for an unknown ID or pixel data that cannot be shown (the reason is printed)."})
    static final class Show implements Callable<Integer> {
        @Option(names = "--home", required = true, paramLabel = "DIR", description = "Installation home.")
        Path home;
        @picocli.CommandLine.Parameters(index = "0", arity = "0..1", paramLabel = "ID",
                description = "The object (deid quarantine list); or --id.")
        Long idParameter;
        @Option(names = "--id", paramLabel = "N", description = "The object, as in the other subcommands.")
        Long idOption;
        @Option(names = "--png", paramLabel = "OUT.png", description = "Write the first frame with the boxes to this file.")
        Path png;

        @Override
        public Integer call() {
            return Cli.run(() -> {
                Long id = idParameter != null ? idParameter : idOption;
                if (id == null || (idParameter != null && idOption != null && !idParameter.equals(idOption))) {
                    throw new CliException("give the object's ID once: deid quarantine show --home DIR ID [--png OUT.png]");
                }
                try (HomeAccess access = HomeAccess.open(home)) {
                    Quarantine.Held h = quarantine(access).list().stream().filter(x -> x.id() == id).findFirst()
                            .orElseThrow(() -> new CliException("no quarantined object #" + id + " (see deid quarantine list)"));
                    System.out.println("object    #" + h.id());
                    System.out.println("received  " + h.receivedAt() + " from " + h.callingAe() + " to " + h.calledAe());
                    System.out.println("class     " + h.sopClassUid());
                    System.out.println("reason    " + h.reason());
                    if (png != null) {
                        Path file = home.resolve("quarantine").resolve(id + ".dcm");
                        org.deidgateway.config.PixelsConfig settings = access.config().pixelsOrDefault();
                        org.deidgateway.pixel.TesseractOcr ocr = new org.deidgateway.pixel.TesseractOcr(
                                settings.tesseractOrDefault(), java.time.Duration.ofSeconds(settings.ocrTimeoutSecondsOrDefault()));
                        access.audit().append(AuditEvent.QUARANTINE_VIEWED, HomeAccess.operator(),
                                Map.of("object", id, "picture", png.toAbsolutePath().toString()));
                        org.deidgateway.pixel.QuarantinePreview.Drawn drawn;
                        try {
                            drawn = org.deidgateway.pixel.QuarantinePreview.write(file,
                                    org.deidgateway.pixel.PixelMaskRules.forHome(home), ocr, png);
                        } catch (org.deidgateway.pixel.PixelDataException | org.deidgateway.dicom.DicomFileException e) {
                            throw new CliException("#" + id + ": " + e.getMessage());
                        }
                        System.out.println("picture   " + png + ": frame 1 of " + drawn.frames() + ", " + drawn.ruleBoxes()
                                + " rule regions, " + drawn.identifyingWords() + " identifying or date-like words, "
                                + drawn.otherWords() + " other words" + (drawn.ocrProblem() == null ? ""
                                : " (OCR did not run: " + drawn.ocrProblem() + ")"));
                    }
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
