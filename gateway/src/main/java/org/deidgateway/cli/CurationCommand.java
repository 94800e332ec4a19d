package org.deidgateway.cli;

import org.deidgateway.config.ProjectConfig;
import org.deidgateway.curate.CaseSummary;
import org.deidgateway.curate.CurationStore;
import org.deidgateway.curate.HeldInstance;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.Callable;

@Command(name = "curation", mixinStandardHelpOptions = true,
        description = {"Cases of two-stage projects held in the home for curation: stage-one (pseudonymized, full dates) "
                + "copies that curators check before a case is released with deid release.",
                "Nothing here is forwarded until it is released."},
        subcommands = {CurationCommand.ListCases.class, CurationCommand.Show.class})
final class CurationCommand extends CommandGroup {

    static CurationStore store(HomeAccess access) throws Exception {
        return new CurationStore(access.database(), access.layout.home().resolve("curation"));
    }

    /** Deletes the held copies of released cases whose project's retention has passed; returns how many. */
    static int purgeReleased(HomeAccess access) throws Exception {
        return store(access).purgeReleased(name -> access.config().project(name)
                .map(p -> p.curationOrDefault().keepReleasedDaysOrZero()).orElse(0), java.time.Instant.now());
    }

    @Command(name = "list", mixinStandardHelpOptions = true,
            description = {"Held cases by pseudonym: studies, instances, modalities, first and last study date, follow-up "
                    + "in whole months, and whether the project's release criterion holds (curation.min-follow-up-months).",
                    "Cases released before and held again (a later study arrived) are listed too; deid release refuses "
                            + "them unless --force."})
    static final class ListCases implements Callable<Integer> {
        @Option(names = "--home", required = true, paramLabel = "DIR", description = "Installation home.")
        Path home;
        @Option(names = "--project", paramLabel = "NAME", description = "Only this project (default: all).")
        String project;

        @Override
        public Integer call() {
            return Cli.run(() -> {
                try (HomeAccess access = HomeAccess.open(home)) {
                    if (project != null) {
                        access.project(project);
                    }
                    List<CaseSummary> cases = store(access).cases(project);
                    if (!cases.isEmpty()) {
                        System.out.printf("%-42s %-12s %7s %9s  %-14s %-10s %-10s %9s  %s%n", "PSEUDONYM", "PROJECT",
                                "STUDIES", "INSTANCES", "MODALITIES", "FIRST", "LAST", "FOLLOW-UP", "CRITERION");
                    }
                    for (CaseSummary c : cases) {
                        int min = access.config().project(c.project()).map(p -> p.curationOrDefault().minFollowUpMonthsOrZero())
                                .orElse(0);
                        String criterion = min == 0 ? "none set"
                                : (c.meetsFollowUp(min) ? "met" : "NOT met") + " (>= " + min + " months)";
                        System.out.printf("%-42s %-12s %7d %9d  %-14s %-10s %-10s %9s  %s%n", c.pseudonym(), c.project(),
                                c.studies(), c.instances(), String.join(",", c.modalities()),
                                c.firstStudy().map(Object::toString).orElse("-"), c.lastStudy().map(Object::toString).orElse("-"),
                                c.followUpMonths().map(m -> m + " mo").orElse("-"), criterion);
                    }
                    System.out.println(cases.size() + " held case" + (cases.size() == 1 ? "" : "s")
                            + (project == null ? "" : " in project " + project));
                    return 0;
                }
            });
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true,
            description = "The studies and series of one held case, with dates, modalities and instance counts.")
    static final class Show implements Callable<Integer> {
        @Option(names = "--home", required = true, paramLabel = "DIR", description = "Installation home.")
        Path home;
        @Option(names = "--project", paramLabel = "NAME", description = "The project, when the pseudonym is held in several.")
        String project;
        @Parameters(index = "0", paramLabel = "PSEUDONYM", description = "The case (see deid curation list).")
        String pseudonym;

        @Override
        public Integer call() {
            return Cli.run(() -> {
                try (HomeAccess access = HomeAccess.open(home)) {
                    CurationStore store = store(access);
                    ProjectConfig p = projectHolding(access, store, project, pseudonym);
                    List<HeldInstance> held = store.waiting(p.name(), pseudonym);
                    CaseSummary summary = CaseSummary.of(p.name(), pseudonym, held);
                    System.out.printf("case %s in project %s: %d studies, %d instances, follow-up %s%n", pseudonym, p.name(),
                            summary.studies(), summary.instances(), summary.followUpMonths().map(m -> m + " months").orElse("-"));
                    Map<String, List<HeldInstance>> studies = new LinkedHashMap<>();
                    for (HeldInstance h : held) {
                        studies.computeIfAbsent(h.studyUid(), k -> new java.util.ArrayList<>()).add(h);
                    }
                    for (Map.Entry<String, List<HeldInstance>> study : studies.entrySet()) {
                        List<HeldInstance> instances = study.getValue();
                        System.out.printf("study %s  date %s  %d instances%n", study.getKey(),
                                display(instances.get(0).studyDate()), instances.size());
                        Map<String, List<HeldInstance>> series = new LinkedHashMap<>();
                        for (HeldInstance h : instances) {
                            series.computeIfAbsent(h.seriesUid(), k -> new java.util.ArrayList<>()).add(h);
                        }
                        for (Map.Entry<String, List<HeldInstance>> s : series.entrySet()) {
                            TreeSet<String> modalities = new TreeSet<>();
                            s.getValue().forEach(h -> modalities.add(h.modality().isBlank() ? "-" : h.modality()));
                            System.out.printf("  series %s  %s  %d instances%n", s.getKey(), String.join(",", modalities),
                                    s.getValue().size());
                        }
                    }
                    return 0;
                }
            });
        }

        private static String display(String da) {
            return da == null || da.isBlank() ? "-" : da;
        }
    }

    /** The project whose held cases include this pseudonym: the one named, or the only one that holds it. */
    static ProjectConfig projectHolding(HomeAccess access, CurationStore store, String project, String pseudonym)
            throws Exception {
        if (project != null) {
            ProjectConfig p = access.project(project);
            if (store.waiting(p.name(), pseudonym).isEmpty()) {
                throw new CliException("no held case '" + pseudonym + "' in project '" + p.name() + "' (see deid curation list)",
                        CliException.FAILURE);
            }
            return p;
        }
        List<String> holding = store.waiting(null, pseudonym).stream().map(HeldInstance::project).distinct().toList();
        if (holding.isEmpty()) {
            throw new CliException("no held case '" + pseudonym + "' (see deid curation list)", CliException.FAILURE);
        }
        if (holding.size() > 1) {
            throw new CliException("'" + pseudonym + "' is held in several projects " + holding + "; choose one with --project");
        }
        return access.project(holding.get(0));
    }
}
