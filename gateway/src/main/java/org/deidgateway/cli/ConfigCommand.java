package org.deidgateway.cli;

import org.deidgateway.config.ConfigFile;
import org.deidgateway.config.CurationConfig;
import org.deidgateway.config.ProjectConfig;
import org.deidgateway.config.DicomConfig;
import org.deidgateway.config.DicomTlsConfig;
import org.deidgateway.config.DestinationConfig;
import org.deidgateway.config.GatewayConfig;
import org.deidgateway.config.MetricsConfig;
import org.deidgateway.config.PixelsConfig;
import org.deidgateway.config.ProcessingConfig;
import org.deidgateway.config.QueueConfig;
import org.deidgateway.config.ReidentificationConfig;
import org.deidgateway.tls.TlsConfigCheck;
import org.deidgateway.tls.TlsMaterial;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "config", mixinStandardHelpOptions = true,
        description = "Show, change and check deid.yaml. Every change is validated before it is written, and audited.",
        subcommands = {ConfigCommand.Show.class, ConfigCommand.Set.class, ConfigCommand.Validate.class})
final class ConfigCommand extends CommandGroup {

    static final List<String> SETTABLE = List.of("dicom.ae-title", "dicom.port", "dicom.bind-address",
            "dicom.max-associations", "dicom.allowed-calling-ae-titles", "dicom.allowed-source-addresses", "dicom.tls.enabled",
            "dicom.tls.require-client-certificate", "dicom.artim-timeout-seconds", "dicom.idle-timeout-seconds",
            "dicom.max-waiting-connections", "reidentification.four-eyes", "metrics.port", "metrics.bind-address",
            "queue.keep-delivered-days", "pixels.workers", "pixels.tesseract", "pixels.ocr-timeout-seconds", "pixels.max-frames",
            "processing.threads");
    static final List<String> PROJECT_SETTABLE = List.of("mode", "profile", "called-ae-title", "accept-screen-captures",
            "curation.release-profile",
            "curation.min-follow-up-months", "curation.max-shift-days", "curation.whole-weeks", "curation.keep-released-days");

    @Command(name = "show", mixinStandardHelpOptions = true, description = "Print the configuration file.")
    static final class Show implements Callable<Integer> {
        @Option(names = "--home", required = true, paramLabel = "DIR", description = "Installation home.")
        Path home;

        @Override
        public Integer call() {
            return Cli.run(() -> {
                try (HomeAccess access = HomeAccess.open(home)) {
                    System.out.print(Files.readString(access.layout.configFile()));
                    return 0;
                }
            });
        }
    }

    @Command(name = "validate", mixinStandardHelpOptions = true,
            description = {"Check the configuration file; names the bad key and exits 1 if there is one.",
                    "When TLS is used (dicom.tls.enabled, or a destination with tls: true), also checks that the gateway "
                            + "keystore holds what it needs; that opens the keystore (passphrase from DEID_PASSPHRASE or a prompt)."})
    static final class Validate implements Callable<Integer> {
        @Option(names = "--home", required = true, paramLabel = "DIR", description = "Installation home.")
        Path home;

        @Override
        public Integer call() {
            return Cli.run(() -> {
                try (HomeAccess access = HomeAccess.open(home)) {
                    if (TlsConfigCheck.needed(access.config())) {
                        TlsConfigCheck.check(access.layout.configFile(), access.config(), TlsMaterial.from(access.keystore()));
                        System.out.println(access.layout.configFile() + ": valid, with the TLS certificates it needs");
                    } else {
                        System.out.println(access.layout.configFile() + ": valid");
                    }
                    return 0;
                }
            });
        }
    }

    @Command(name = "set", mixinStandardHelpOptions = true,
            description = {"Change one setting. Keys: dicom.ae-title, dicom.port, dicom.bind-address, dicom.max-associations, "
                    + "dicom.allowed-calling-ae-titles (comma-separated, empty for any), dicom.allowed-source-addresses "
                    + "(comma-separated IP addresses or CIDR blocks such as 10.20.0.0/16, empty for any), dicom.tls.enabled "
                    + "(true: the listener speaks TLS only; needs a certificate from deid tls generate or deid tls import), "
                    + "dicom.tls.require-client-certificate (true: peers must present a certificate the keystore trusts, "
                    + "see deid tls trust), dicom.artim-timeout-seconds (how long a new connection may stay silent), "
                    + "dicom.idle-timeout-seconds (silence inside an association), dicom.max-waiting-connections (silent new "
                    + "connections held at once), reidentification.four-eyes (true/false), metrics.port (0: off), "
                    + "metrics.bind-address, queue.keep-delivered-days (days a finished object's record stays for "
                    + "deid queue status; 0: for ever), pixels.workers (threads that clean pixel data, beside the header "
                    + "processing; default 1), pixels.tesseract (the OCR program, default tesseract on PATH), "
                    + "pixels.ocr-timeout-seconds (per image, default 60), pixels.max-frames (objects with more frames "
                    + "are quarantined rather than read frame by frame; default 300), processing.threads (threads that "
                    + "de-identify headers at once; default one per core, at most 4).",
                    "Per project: projects.NAME.mode (pseudonymized or two-stage), projects.NAME.profile, "
                    + "projects.NAME.called-ae-title (the AE title the PACS sends this project's studies to; empty: every other), "
                    + "projects.NAME.accept-screen-captures (true: Secondary Capture and Ultrasound are not quarantined), "
                    + "projects.NAME.curation.release-profile, "
                    + ".min-follow-up-months (0: no criterion), .max-shift-days (date offsets of released cases, default 180), "
                    + ".whole-weeks (true: offsets keep weekdays), .keep-released-days (0: stage-one copies deleted at release).",
                    "A running gateway picks the change up at its next start."})
    static final class Set implements Callable<Integer> {
        @Option(names = "--home", required = true, paramLabel = "DIR", description = "Installation home.")
        Path home;
        @Parameters(index = "0", paramLabel = "KEY", description = "The setting.")
        String key;
        @Parameters(index = "1", paramLabel = "VALUE", description = "Its new value.")
        String value;

        @Override
        public Integer call() {
            return Cli.run(() -> {
                HomeAccess access = HomeAccess.open(home);
                GatewayConfig config = access.config();
                DicomConfig d = config.dicomOrDefault();
                PixelsConfig p = config.pixelsOrDefault();
                DicomTlsConfig tls = d.tlsOrDefault();
                GatewayConfig changed = switch (key) {
                    case "dicom.ae-title" -> config.withDicom(d.withAeTitle(value));
                    case "dicom.bind-address" -> config.withDicom(d.withBindAddress(value));
                    case "dicom.port" -> config.withDicom(d.withPort(integer(value)));
                    case "dicom.max-associations" -> config.withDicom(d.withMaxAssociations(integer(value)));
                    case "dicom.allowed-calling-ae-titles" -> config.withDicom(d.withAllowedCallingAeTitles(list(value)));
                    case "dicom.allowed-source-addresses" -> config.withDicom(d.withAllowedSourceAddresses(list(value)));
                    case "dicom.tls.enabled" -> config.withDicom(d.withTls(new DicomTlsConfig(bool(value),
                            tls.requireClientCertificate())));
                    case "dicom.tls.require-client-certificate" -> config.withDicom(d.withTls(new DicomTlsConfig(tls.enabled(),
                            bool(value))));
                    case "dicom.artim-timeout-seconds" -> config.withDicom(d.withArtimTimeoutSeconds(integer(value)));
                    case "dicom.idle-timeout-seconds" -> config.withDicom(d.withIdleTimeoutSeconds(integer(value)));
                    case "dicom.max-waiting-connections" -> config.withDicom(d.withMaxWaitingConnections(integer(value)));
                    case "reidentification.four-eyes" -> config.withReidentification(new ReidentificationConfig(bool(value)));
                    case "metrics.port" -> config.withMetrics(new MetricsConfig(config.metricsOrDefault().bindAddress(),
                            integer(value)));
                    case "metrics.bind-address" -> config.withMetrics(new MetricsConfig(value, config.metricsOrDefault().port()));
                    case "queue.keep-delivered-days" -> config.withQueue(new QueueConfig(integer(value)));
                    case "pixels.workers" -> config.withPixels(new PixelsConfig(integer(value), p.tesseract(),
                            p.ocrTimeoutSeconds(), p.maxFrames()));
                    case "pixels.tesseract" -> config.withPixels(new PixelsConfig(p.workers(), value, p.ocrTimeoutSeconds(),
                            p.maxFrames()));
                    case "pixels.ocr-timeout-seconds" -> config.withPixels(new PixelsConfig(p.workers(), p.tesseract(),
                            integer(value), p.maxFrames()));
                    case "pixels.max-frames" -> config.withPixels(new PixelsConfig(p.workers(), p.tesseract(),
                            p.ocrTimeoutSeconds(), integer(value)));
                    case "processing.threads" -> config.withProcessing(new ProcessingConfig(integer(value)));
                    default -> {
                        if (key.startsWith("projects.")) {
                            yield withProjectSetting(config);
                        }
                        if (key.startsWith("destinations.")) {
                            yield withDestinationSetting(config);
                        }
                        throw new CliException("unknown key '" + key + "'; settable keys: " + String.join(", ", SETTABLE)
                                + ", per project: projects.NAME." + String.join(", projects.NAME.", PROJECT_SETTABLE)
                                + ", and per destination: destinations.NAME.associations");
                    }
                };
                ConfigFile.validate(access.layout.configFile(), changed);
                ConfigFile.write(access.layout.configFile(), changed);
                access.close();
                // reopening audits the change (deid.yaml's hash differs from the last one seen)
                try (HomeAccess reopened = HomeAccess.open(home)) {
                    reopened.database();
                }
                System.out.println(key + " = " + value);
                if (key.startsWith("dicom.tls.") && TlsConfigCheck.needed(changed)) {
                    System.out.println("check that the keystore has the certificates this needs with: deid config validate --home "
                            + home);
                }
                return 0;
            });
        }

        /** {@code destinations.NAME.associations}: how many deliveries to one destination run at once. */
        private GatewayConfig withDestinationSetting(GatewayConfig config) throws CliException {
            String rest = key.substring("destinations.".length());
            int dot = rest.lastIndexOf('.');
            String name = dot < 0 ? rest : rest.substring(0, dot);
            String setting = dot < 0 ? "" : rest.substring(dot + 1);
            if (!setting.equals("associations")) {
                throw new CliException("unknown destination key '" + setting + "' in '" + key + "'; per destination: "
                        + "associations (other settings: deid destination remove, then add)");
            }
            List<DestinationConfig> all = new java.util.ArrayList<>(config.destinationsOrEmpty());
            for (int i = 0; i < all.size(); i++) {
                if (all.get(i).name().equals(name)) {
                    all.set(i, all.get(i).withAssociations(integer(value)));
                    return config.withDestinations(all);
                }
            }
            throw new CliException("no destination '" + name + "' (destinations: "
                    + config.destinationsOrEmpty().stream().map(DestinationConfig::name).toList() + ")");
        }

        /** {@code projects.NAME.KEY}: one setting of one project. */
        private GatewayConfig withProjectSetting(GatewayConfig config) throws CliException {
            String rest = key.substring("projects.".length());
            int dot = rest.indexOf('.');
            String name = dot < 0 ? rest : rest.substring(0, dot);
            String setting = dot < 0 ? "" : rest.substring(dot + 1);
            ProjectConfig project = config.project(name).orElseThrow(() -> new CliException("no project '" + name
                    + "' (projects: " + config.projects().stream().map(ProjectConfig::name).toList() + ")"));
            CurationConfig c = project.curationOrDefault();
            ProjectConfig changed = switch (setting) {
                case "mode" -> project.withMode(value.strip());
                case "profile" -> project.withProfile(knownProfile(value));
                case "called-ae-title" -> project.withCalledAeTitle(value.isBlank() ? null : value.strip());
                case "accept-screen-captures" -> project.withAcceptScreenCaptures(bool(value));
                case "curation.release-profile" -> project.withCuration(c.withReleaseProfile(knownProfile(value)));
                case "curation.min-follow-up-months" -> project.withCuration(c.withMinFollowUpMonths(integer(value)));
                case "curation.max-shift-days" -> project.withCuration(c.withMaxShiftDays(integer(value)));
                case "curation.whole-weeks" -> project.withCuration(c.withWholeWeeks(bool(value)));
                case "curation.keep-released-days" -> project.withCuration(c.withKeepReleasedDays(integer(value)));
                default -> throw new CliException("unknown project key '" + setting + "' in '" + key + "'; per project: "
                        + String.join(", ", PROJECT_SETTABLE));
            };
            List<ProjectConfig> projects = new java.util.ArrayList<>(config.projects());
            projects.set(projects.indexOf(project), changed);
            return config.withProjects(projects);
        }

        /** A profile name that exists in the home, the repository's profiles/ or the bundled ones. */
        private String knownProfile(String value) throws CliException {
            try {
                return org.deidgateway.profile.ProfileCatalog.forHome(home).load(value.strip()).name();
            } catch (org.deidgateway.profile.ProfileCatalog.ProfileException | java.io.IOException e) {
                throw new CliException(key + ": " + e.getMessage(), CliException.FAILURE);
            }
        }

        private static List<String> list(String value) {
            return value.isBlank() ? List.of() : Arrays.stream(value.split(",")).map(String::strip).toList();
        }

        private int integer(String s) throws CliException {
            try {
                return Integer.parseInt(s.strip());
            } catch (NumberFormatException e) {
                throw new CliException(key + ": '" + s + "' is not a whole number");
            }
        }

        private boolean bool(String s) throws CliException {
            if (!s.equals("true") && !s.equals("false")) {
                throw new CliException(key + ": '" + s + "' must be true or false");
            }
            return Boolean.parseBoolean(s);
        }
    }
}
