package org.deidgateway.cli;

import org.deidgateway.audit.AuditEvent;
import org.deidgateway.catalog.CatalogExport;
import org.deidgateway.catalog.CatalogReport;
import org.deidgateway.catalog.CatalogStore;
import org.deidgateway.catalog.CatalogTable;
import org.deidgateway.config.ProjectConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "catalog", mixinStandardHelpOptions = true,
        description = "What a project holds, for research catalogs: counts of patients, studies, series and images by "
                + "modality, body part, dataset type, acquisition, sex, age band and study year, read from the de-identified "
                + "copies only. Counts shared by fewer than --min-cell patients are withheld. No pseudonym, UID or name is in it.",
        subcommands = {CatalogCommand.Export.class, CatalogCommand.Show.class})
final class CatalogCommand extends CommandGroup {

    static final int DEFAULT_MIN_CELL = 5;

    abstract static class Selection {
        @Option(names = "--home", required = true, paramLabel = "DIR", description = "Installation home.")
        Path home;
        @Option(names = "--project", paramLabel = "NAME", description = "The project (default: every project of the home).")
        String project;
        @Option(names = "--min-cell", paramLabel = "N", defaultValue = "" + DEFAULT_MIN_CELL,
                description = "Withhold every count that fewer than N patients share, and its value (default: ${DEFAULT-VALUE}).")
        int minCell;

        List<CatalogReport> reports(HomeAccess access) throws Exception {
            if (minCell < 1) {
                throw new CliException("--min-cell must be 1 or more, not " + minCell);
            }
            List<String> projects = new ArrayList<>();
            if (project != null) {
                projects.add(access.project(project).name());
            } else {
                access.config().projects().stream().map(ProjectConfig::name).forEach(projects::add);
            }
            CatalogStore store = new CatalogStore(access.database());
            List<CatalogReport> reports = new ArrayList<>();
            for (String p : projects) {
                reports.add(CatalogReport.of(p, minCell, CatalogReport.Input.read(store, p)));
            }
            return reports;
        }
    }

    @Command(name = "export", mixinStandardHelpOptions = true,
            description = "Write the catalog as DICOM-MIABIS Biobank, Collection and Image Collection records "
                    + "(docs/catalog.md; JSON Schema: docs/catalog/dicom-miabis-catalog.schema.json). Audited.")
    static final class Export extends Selection implements Callable<Integer> {
        @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "miabis-json",
                description = "miabis-json, csv or turtle (default: ${DEFAULT-VALUE}).")
        String format;
        @Option(names = "--out", paramLabel = "FILE", description = "Write to FILE instead of standard output.")
        Path out;
        @Option(names = "--biobank-id", paramLabel = "ID",
                description = "MIABIS Biobank ID, e.g. ES_HOSPITAL1 (default: deid-gateway- and the installation ID).")
        String biobankId;
        @Option(names = "--biobank-name", paramLabel = "NAME", description = "Biobank name (default: the biobank ID).")
        String biobankName;
        @Option(names = "--biobank-acronym", paramLabel = "TEXT", description = "Biobank acronym.")
        String acronym;
        @Option(names = "--country", paramLabel = "CC", description = "ISO 3166 alpha-2 country code of the biobank.")
        String country;
        @Option(names = "--juristic-person", paramLabel = "TEXT", description = "The biobank's juristic person (its hospital).")
        String juristicPerson;
        @Option(names = "--url", paramLabel = "URL", description = "The biobank's web page.")
        String url;
        @Option(names = "--description", paramLabel = "TEXT", description = "A description of the biobank.")
        String description;

        @Override
        public Integer call() {
            return Cli.run(() -> {
                CatalogExport.Format chosen;
                try {
                    chosen = CatalogExport.Format.parse(format);
                } catch (IllegalArgumentException e) {
                    throw new CliException(e.getMessage());
                }
                if (out != null && !Files.isDirectory(out.toAbsolutePath().getParent())) {
                    throw new CliException("--out: the folder " + out.toAbsolutePath().getParent() + " does not exist");
                }
                if (country != null && !country.matches("[A-Z]{2}")) {
                    throw new CliException("--country must be an ISO 3166 alpha-2 code such as ES or IT, not '" + country + "'");
                }
                try (HomeAccess access = HomeAccess.open(home)) {
                    List<CatalogReport> reports = reports(access);
                    String id = biobankId != null ? biobankId
                            : "deid-gateway-" + new CatalogStore(access.database()).installationId();
                    CatalogExport.Biobank biobank = new CatalogExport.Biobank(id, acronym, biobankName != null ? biobankName : id,
                            url, juristicPerson, country, description);
                    String text = CatalogExport.write(chosen, biobank, reports, Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
                    if (out == null) {
                        System.out.print(text);
                    } else {
                        Path parent = out.toAbsolutePath().getParent();
                        Path temp = Files.createTempFile(parent, ".catalog", ".tmp");
                        Files.writeString(temp, text, StandardCharsets.UTF_8);
                        Files.move(temp, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                        System.err.println("catalog of " + reports.size() + " project(s) written to " + out);
                    }
                    Map<String, Object> details = new LinkedHashMap<>();
                    details.put("projects", String.join(",", reports.stream().map(CatalogReport::project).toList()));
                    details.put("format", chosen.option);
                    details.put("min-cell", minCell);
                    access.audit().append(AuditEvent.CATALOG_EXPORTED, HomeAccess.operator(), details);
                    return 0;
                }
            });
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true, description = "Print the catalog as tables on the terminal, "
            + "with the same suppression as export.")
    static final class Show extends Selection implements Callable<Integer> {
        @Override
        public Integer call() {
            return Cli.run(() -> {
                try (HomeAccess access = HomeAccess.open(home)) {
                    for (CatalogReport r : reports(access)) {
                        System.out.print(CatalogTable.render(r));
                    }
                    return 0;
                }
            });
        }
    }
}
