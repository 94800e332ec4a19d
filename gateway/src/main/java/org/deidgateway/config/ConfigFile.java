package org.deidgateway.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import org.deidgateway.pseudonym.PatientPseudonymizer;
import org.deidgateway.receive.SourceAddressFilter;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashSet;
import java.util.Set;

/** Reads, validates and writes {@code deid.yaml}. */
public final class ConfigFile {

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES))
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            // a key given twice is an editing mistake, not "the last one wins"
            .enable(com.fasterxml.jackson.core.JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    private static final String HEADER = """
            # deid-gateway installation configuration.
            # Edit with `deid config` commands or by hand; `deid` validates it on every start.
            # projects: each research project's confidentiality profile (see ./deid profile list),
            #           the prefix of its patient pseudonyms, and optionally its pseudonym-scheme:
            #           keyed (default: keyed SHA-512/256 of the patient ID) or eupid-style
            #           (random CTX-... pseudonym per project, linked only through the vault).
            # reidentification.four-eyes: true to require a second curator for every re-identification.
            # dicom.tls.enabled: true to receive over TLS only; require-client-certificate: true to admit only
            #           peers whose certificate the keystore trusts. Certificates: deid tls --help.
            # dicom.allowed-source-addresses: IP addresses or CIDR blocks that may connect (empty: any).
            # projects[].mode: pseudonymized (default: stage-one output is forwarded) or two-stage (held in the
            #           home for curation; `deid release` anonymizes a full case and forwards it). curation:
            #           release-profile (anonymize), min-follow-up-months (0: none), max-shift-days (180),
            #           whole-weeks (false), keep-released-days (0: stage-one copies deleted at release).
            """;

    private ConfigFile() {
    }

    public static GatewayConfig read(Path file) throws ConfigException {
        GatewayConfig config;
        try {
            config = YAML.readValue(file.toFile(), GatewayConfig.class);
        } catch (UnrecognizedPropertyException e) {
            throw new ConfigException(file + ": unknown key '" + e.getPropertyName() + "' at " + path(e));
        } catch (JsonProcessingException e) {
            throw new ConfigException(file + ": " + e.getOriginalMessage().lines().findFirst().orElse("not valid YAML")
                    + " at " + path(e));
        } catch (NoSuchFileException e) {
            throw new ConfigException(file + ": missing");
        } catch (IOException e) {
            if (!Files.exists(file)) {
                throw new ConfigException(file + ": missing");
            }
            throw new ConfigException(file + ": cannot be read (" + e.getClass().getSimpleName() + ")");
        }
        validate(file, config);
        return config;
    }

    public static void write(Path file, GatewayConfig config) throws IOException {
        Path temp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(temp, HEADER + YAML.writeValueAsString(config));
        Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    public static void validate(Path file, GatewayConfig config) throws ConfigException {
        if (config == null) {
            throw new ConfigException(file + ": empty");
        }
        if (config.version() != GatewayConfig.CURRENT_VERSION) {
            throw new ConfigException(file + ": version: " + config.version() + " is not supported (expected "
                    + GatewayConfig.CURRENT_VERSION + ")");
        }
        if (config.projects() == null || config.projects().isEmpty()) {
            throw new ConfigException(file + ": projects: at least one project is required");
        }
        validateNetwork(file, config);
        Set<String> names = new HashSet<>();
        for (int i = 0; i < config.projects().size(); i++) {
            ProjectConfig p = config.projects().get(i);
            String at = file + ": projects[" + i + "].";
            if (p.name() == null || !p.name().matches(ProjectConfig.NAME_PATTERN)) {
                throw new ConfigException(at + "name: '" + p.name() + "' must match " + ProjectConfig.NAME_PATTERN);
            }
            if (!names.add(p.name())) {
                throw new ConfigException(at + "name: project '" + p.name() + "' is defined twice");
            }
            if (p.profile() == null || p.profile().isBlank()) {
                throw new ConfigException(at + "profile: missing");
            }
            if (p.pseudonymPrefix() == null || !p.pseudonymPrefix().matches("[A-Z0-9][A-Z0-9_]{0,"
                    + (PatientPseudonymizer.MAX_PREFIX_LENGTH - 1) + "}")) {
                throw new ConfigException(at + "pseudonym-prefix: '" + p.pseudonymPrefix() + "' must be 1 to "
                        + PatientPseudonymizer.MAX_PREFIX_LENGTH + " upper-case letters, digits or '_'");
            }
            if (p.pseudonymScheme() != null && !p.pseudonymScheme().equals(ProjectConfig.SCHEME_KEYED)
                    && !p.pseudonymScheme().equals(ProjectConfig.SCHEME_EUPID_STYLE)) {
                throw new ConfigException(at + "pseudonym-scheme: '" + p.pseudonymScheme() + "' must be "
                        + ProjectConfig.SCHEME_KEYED + " or " + ProjectConfig.SCHEME_EUPID_STYLE);
            }
            validateCuration(p, at);
        }
    }

    private static void validateCuration(ProjectConfig p, String at) throws ConfigException {
        if (p.mode() != null && !p.mode().equals(ProjectConfig.MODE_PSEUDONYMIZED)
                && !p.mode().equals(ProjectConfig.MODE_TWO_STAGE)) {
            throw new ConfigException(at + "mode: '" + p.mode() + "' must be " + ProjectConfig.MODE_PSEUDONYMIZED
                    + " (stage-one output is forwarded) or " + ProjectConfig.MODE_TWO_STAGE
                    + " (held for curation, released cases anonymized)");
        }
        CurationConfig c = p.curationOrDefault();
        String cat = at + "curation.";
        if (c.releaseProfile() != null && !c.releaseProfile().matches("[A-Za-z0-9][A-Za-z0-9_.-]*")) {
            throw new ConfigException(cat + "release-profile: '" + c.releaseProfile() + "' is not a profile name");
        }
        if (c.minFollowUpMonthsOrZero() < 0 || c.minFollowUpMonthsOrZero() > 600) {
            throw new ConfigException(cat + "min-follow-up-months: " + c.minFollowUpMonths() + " must be 0 (none) to 600");
        }
        int maxShift = c.maxShiftDaysOrDefault();
        if (maxShift < 1 || maxShift > CurationConfig.MAX_SHIFT_DAYS_LIMIT) {
            throw new ConfigException(cat + "max-shift-days: " + c.maxShiftDays() + " must be 1 to "
                    + CurationConfig.MAX_SHIFT_DAYS_LIMIT);
        }
        if (c.wholeWeeksOrFalse() && maxShift < 7) {
            throw new ConfigException(cat + "whole-weeks: needs max-shift-days of at least 7 (it is " + maxShift + ")");
        }
        if (c.keepReleasedDaysOrZero() < 0 || c.keepReleasedDaysOrZero() > 3650) {
            throw new ConfigException(cat + "keep-released-days: " + c.keepReleasedDays() + " must be 0 to 3650");
        }
    }

    static void validateNetwork(Path file, GatewayConfig config) throws ConfigException {
        DicomConfig dicom = config.dicomOrDefault();
        String at = file + ": dicom.";
        if (!dicom.aeTitleOrDefault().matches(AE_TITLE_PATTERN)) {
            throw new ConfigException(at + "ae-title: '" + dicom.aeTitle() + "' must be 1 to 16 characters, no backslash "
                    + "or control characters, not only spaces");
        }
        if (dicom.portOrDefault() < 1 || dicom.portOrDefault() > 65535) {
            throw new ConfigException(at + "port: " + dicom.port() + " must be 1 to 65535");
        }
        if (dicom.maxAssociationsOrDefault() < 1 || dicom.maxAssociationsOrDefault() > 1000) {
            throw new ConfigException(at + "max-associations: " + dicom.maxAssociations() + " must be 1 to 1000");
        }
        if (dicom.artimTimeoutSecondsOrDefault() < 1 || dicom.artimTimeoutSecondsOrDefault() > 600) {
            throw new ConfigException(at + "artim-timeout-seconds: " + dicom.artimTimeoutSeconds() + " must be 1 to 600");
        }
        if (dicom.idleTimeoutSecondsOrDefault() < 1 || dicom.idleTimeoutSecondsOrDefault() > 86_400) {
            throw new ConfigException(at + "idle-timeout-seconds: " + dicom.idleTimeoutSeconds() + " must be 1 to 86400");
        }
        if (dicom.maxWaitingConnectionsOrDefault() < 1 || dicom.maxWaitingConnectionsOrDefault() > 100_000) {
            throw new ConfigException(at + "max-waiting-connections: " + dicom.maxWaitingConnections()
                    + " must be 1 to 100000");
        }
        for (String ae : dicom.allowedCallingAeTitlesOrEmpty()) {
            if (ae == null || !ae.matches(AE_TITLE_PATTERN)) {
                throw new ConfigException(at + "allowed-calling-ae-titles: '" + ae + "' is not an AE title");
            }
        }
        try {
            SourceAddressFilter.parse(dicom.allowedSourceAddressesOrEmpty());
        } catch (IllegalArgumentException e) {
            throw new ConfigException(at + "allowed-source-addresses: " + e.getMessage());
        }
        String pixels = config.pixelsOrDefault().problem();
        if (pixels != null) {
            throw new ConfigException(file + ": " + pixels);
        }
        String database = config.databaseOrDefault().problem();
        if (database != null) {
            throw new ConfigException(file + ": " + database);
        }
        String processing = config.processingOrDefault().problem();
        if (processing != null) {
            throw new ConfigException(file + ": " + processing);
        }
        int keepDelivered = config.queueOrDefault().keepDeliveredDaysOrDefault();
        if (keepDelivered < 0 || keepDelivered > QueueConfig.MAX_KEEP_DELIVERED_DAYS) {
            throw new ConfigException(file + ": queue.keep-delivered-days: " + keepDelivered + " must be 0 (for ever) or 1 to "
                    + QueueConfig.MAX_KEEP_DELIVERED_DAYS);
        }
        int metricsPort = config.metricsOrDefault().portOrDefault();
        if (metricsPort < 0 || metricsPort > 65535) {
            throw new ConfigException(file + ": metrics.port: " + metricsPort + " must be 0 (off) or 1 to 65535");
        }
        Set<String> names = new HashSet<>();
        for (int i = 0; i < config.destinationsOrEmpty().size(); i++) {
            DestinationConfig d = config.destinationsOrEmpty().get(i);
            String dat = file + ": destinations[" + i + "].";
            if (d.name() == null || !d.name().matches(DestinationConfig.NAME_PATTERN)) {
                throw new ConfigException(dat + "name: '" + d.name() + "' must match " + DestinationConfig.NAME_PATTERN);
            }
            if (d.associationsOrDefault() < 1 || d.associationsOrDefault() > DestinationConfig.MAX_ASSOCIATIONS) {
                throw new ConfigException(dat + "associations: " + d.associationsOrDefault() + " must be 1 to "
                        + DestinationConfig.MAX_ASSOCIATIONS);
            }
            if (!names.add(d.name())) {
                throw new ConfigException(dat + "name: destination '" + d.name() + "' is defined twice");
            }
            int kinds = (d.folder() == null ? 0 : 1) + (d.dicom() == null ? 0 : 1) + (d.stowRs() == null ? 0 : 1);
            if (kinds != 1) {
                throw new ConfigException(dat + "exactly one of folder, dicom or stow-rs is required");
            }
            if (d.dicom() != null && !d.dicom().matches(DestinationConfig.DICOM_PATTERN)) {
                throw new ConfigException(dat + "dicom: '" + d.dicom() + "' must be AE@HOST:PORT");
            }
            validateStowRs(d, dat);
            if (d.tlsOrFalse() && d.dicom() == null) {
                throw new ConfigException(dat + "tls: only a DICOM destination takes it"
                        + (d.stowRs() != null ? "; a STOW-RS destination uses TLS through an https:// URL" : ""));
            }
        }
        Set<String> called = new HashSet<>();
        for (int i = 0; i < config.projects().size(); i++) {
            String ae = config.projects().get(i).calledAeTitle();
            if (ae != null && (!ae.matches(AE_TITLE_PATTERN) || !called.add(ae))) {
                throw new ConfigException(file + ": projects[" + i + "].called-ae-title: '" + ae
                        + "' is not an AE title or is used by two projects");
            }
        }
    }

    private static void validateStowRs(DestinationConfig d, String at) throws ConfigException {
        if (d.stowRs() != null) {
            URI uri;
            try {
                uri = new URI(d.stowRs());
            } catch (URISyntaxException e) {
                throw new ConfigException(at + "stow-rs: '" + d.stowRs() + "' is not a URL (" + e.getReason() + ")");
            }
            if (uri.getScheme() == null || !uri.getScheme().matches("https?") || uri.getHost() == null) {
                throw new ConfigException(at + "stow-rs: '" + d.stowRs() + "' must be an http:// or https:// URL with a host,"
                        + " e.g. https://repository.example.org/dicom-web/studies");
            }
            if (uri.getRawUserInfo() != null) {
                throw new ConfigException(at + "stow-rs: the URL must not hold credentials; use auth and auth-env");
            }
        }
        if (d.auth() == null && d.authEnv() == null) {
            return;
        }
        if (d.stowRs() == null) {
            throw new ConfigException(at + "auth: only a stow-rs destination authenticates");
        }
        if (!DestinationConfig.AUTH_BEARER.equals(d.auth()) && !DestinationConfig.AUTH_BASIC.equals(d.auth())) {
            throw new ConfigException(at + "auth: '" + d.auth() + "' must be " + DestinationConfig.AUTH_BEARER + " or "
                    + DestinationConfig.AUTH_BASIC);
        }
        if (d.authEnv() == null || !d.authEnv().matches(DestinationConfig.AUTH_ENV_PATTERN)) {
            throw new ConfigException(at + "auth-env: '" + d.authEnv() + "' must name the environment variable holding the "
                    + "credential (upper-case letters, digits, '_'), e.g. DEID_STOW_TOKEN");
        }
        if (!d.stowRs().regionMatches(true, 0, "https:", 0, 6)) {
            throw new ConfigException(at + "auth: credentials would travel in clear over " + d.stowRs() + "; use https");
        }
    }

    /** PS3.5 AE: up to 16 characters, no backslash or control characters, not all spaces. */
    public static final String AE_TITLE_PATTERN = "(?=.*[^ ])[^\\\\\\p{Cntrl}]{1,16}";

    private static String path(JsonProcessingException e) {
        if (e instanceof com.fasterxml.jackson.databind.JsonMappingException m && !m.getPath().isEmpty()) {
            StringBuilder sb = new StringBuilder();
            for (var ref : m.getPath()) {
                if (ref.getFieldName() != null) {
                    if (!sb.isEmpty()) {
                        sb.append('.');
                    }
                    sb.append(ref.getFieldName());
                } else if (ref.getIndex() >= 0) {
                    sb.append('[').append(ref.getIndex()).append(']');
                }
            }
            return sb.toString();
        }
        return e.getLocation() == null ? "?" : "line " + e.getLocation().getLineNr();
    }
}
