package org.deidgateway.cli;

import org.deidgateway.audit.AuditEvent;
import org.deidgateway.config.CurationConfig;
import org.deidgateway.config.DestinationConfig;
import org.deidgateway.config.ProjectConfig;
import org.deidgateway.curate.CaseRelease;
import org.deidgateway.curate.CurationStore;
import org.deidgateway.curate.ReleaseRegister;
import org.deidgateway.deid.AnonymousIdentities;
import org.deidgateway.deid.Deidentifier;
import org.deidgateway.deid.DeidentifierFactory;
import org.deidgateway.keystore.GatewayKeystore;
import org.deidgateway.profile.ConfidentialityProfile;
import org.deidgateway.profile.ProfileCatalog;
import org.deidgateway.profile.ProfileOption;
import org.deidgateway.pseudonym.ProjectKeys;
import org.deidgateway.vault.CuratorRegistry;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "release", mixinStandardHelpOptions = true,
        description = {"Release one held case of a two-stage project: every held study of the patient goes through the "
                + "project's release profile (curation.release-profile, default anonymize) and is queued for every "
                + "destination; a running gateway sends it within a second, otherwise at its next start.",
                "The case gets a new random Patient ID and Name, new UIDs from a key made for this release, and one random "
                        + "date offset (curation.max-shift-days, default +/-180, never 0; curation.whole-weeks keeps weekdays) "
                        + "applied to every date, the birth date included. None of these is kept anywhere: the new identity "
                        + "cannot be traced back from this home.",
                "Refused when the patient was released before (a keyed token of each released pseudonym is kept) or when "
                        + "the case does not meet curation.min-follow-up-months; --force releases anyway. Every release and "
                        + "refusal is audited with the pseudonym, the count and the reason, never the new identity or offset.",
                "Needs the gateway keystore passphrase (DEID_PASSPHRASE or a prompt)."})
final class ReleaseCommand implements Callable<Integer> {

    @Option(names = "--home", required = true, paramLabel = "DIR", description = "Installation home.")
    Path home;
    @Option(names = "--pseudonym", required = true, paramLabel = "P", description = "The held case (see deid curation list).")
    String pseudonym;
    @Option(names = "--reason", required = true, paramLabel = "TEXT", description = "Why the case may go now (audited).")
    String reason;
    @Option(names = "--force", description = "Release although the patient was released before or the case does not meet "
            + "the release criterion (audited as forced).")
    boolean force;
    @Option(names = "--project", paramLabel = "NAME", description = "The project, when the pseudonym is held in several.")
    String project;
    @Option(names = "--curator", paramLabel = "NAME", description = "The registered curator who decided the release "
            + "(see deid curator list); the audit names them with the operating-system user who ran the command.")
    String curator;

    @Override
    public Integer call() {
        return Cli.run(() -> {
            if (reason.isBlank()) {
                throw new CliException("--reason must say why the case may be released");
            }
            try (HomeAccess access = HomeAccess.open(home)) {
                CurationStore store = CurationCommand.store(access);
                String actor = actor(access);
                ProjectConfig p;
                try {
                    p = CurationCommand.projectHolding(access, store, project, pseudonym);
                } catch (CliException nothingHeld) {
                    refuseIfReleasedBefore(access, actor);
                    throw nothingHeld;
                }
                CurationConfig curation = p.curationOrDefault();
                List<String> destinations = access.config().destinationsOrEmpty().stream().map(DestinationConfig::name).toList();
                if (destinations.isEmpty()) {
                    throw new CliException("no destination is configured; add one with deid destination add", CliException.FAILURE);
                }
                ConfidentialityProfile profile = releaseProfile(curation.releaseProfileOrDefault());
                GatewayKeystore keystore = access.keystore();
                ReleaseRegister register = register(keystore, p.name());
                CaseRelease release = new CaseRelease(access.database(), store, home.resolve("outbox"), destinations, register);
                int total = store.waiting(p.name(), pseudonym).size();
                Progress progress = new Progress(total);
                CaseRelease.Released released;
                try (AnonymousIdentities identities = AnonymousIdentities.create(curation.maxShiftDaysOrDefault(),
                        curation.wholeWeeksOrFalse())) {
                    Deidentifier engine = DeidentifierFactory.createAnonymizing(p.name(), profile, identities);
                    released = release.release(new CaseRelease.Request(p.name(), pseudonym, reason.strip(), force,
                            actor, curation.minFollowUpMonthsOrZero()), engine, n -> progress.step(n, 0));
                } finally {
                    progress.finish();
                }
                int purged = CurationCommand.purgeReleased(access);
                access.checkpoint(keystore);
                System.out.printf("released %s of project %s: %s in %s queued for %s%s%n", pseudonym, p.name(),
                        count(released.instances(), "instance", "instances"), count(released.studies(), "study", "studies"),
                        String.join(", ", destinations),
                        released.releasedBefore() ? " (released before; forced)" : "");
                System.out.println("its new patient ID, UIDs key and date offset were not kept; "
                        + (curation.keepReleasedDaysOrZero() == 0 ? "the held stage-one copies are deleted (" + purged + ")"
                        : "the held stage-one copies are deleted after " + curation.keepReleasedDaysOrZero() + " days"));
                return 0;
            }
        });
    }

    private static String count(int n, String one, String many) {
        return n + " " + (n == 1 ? one : many);
    }

    /** The operating-system user, and the curator who decided when one is named (who must be registered). */
    private String actor(HomeAccess access) throws Exception {
        String operator = HomeAccess.operator();
        if (curator == null) {
            return operator;
        }
        if (new CuratorRegistry(access.database()).activeByName(curator.strip()).isEmpty()) {
            throw new CliException("no registered curator '" + curator.strip() + "' (see deid curator list)", CliException.FAILURE);
        }
        return "curator:" + curator.strip() + " via " + operator;
    }

    private static ReleaseRegister register(GatewayKeystore keystore, String project) throws Exception {
        byte[] secret = keystore.projectMasterSecret(project);
        try {
            return new ReleaseRegister(new ProjectKeys(project, secret));
        } finally {
            Arrays.fill(secret, (byte) 0);
        }
    }

    /**
     * Nothing of this pseudonym is held: if it was released before (its held copies went with that
     * release), say so and audit the attempt, rather than only "not found".
     */
    private void refuseIfReleasedBefore(HomeAccess access, String actor) throws Exception {
        List<ProjectConfig> candidates = project != null ? access.config().project(project).stream().toList()
                : access.config().projects();
        if (candidates.isEmpty()) {
            return;
        }
        GatewayKeystore keystore = access.keystore();
        for (ProjectConfig candidate : candidates) {
            String token = register(keystore, candidate.name()).token(pseudonym);
            int releases = access.database().read(c -> ReleaseRegister.releases(c, token));
            if (releases > 0) {
                access.audit().append(AuditEvent.CASE_RELEASE_REFUSED, actor, Map.of("project", candidate.name(),
                        "pseudonym", pseudonym, "reason", reason.strip(), "why", "released before, nothing held"));
                throw new CliException("refused: " + pseudonym + " of project " + candidate.name() + " was released before ("
                        + releases + " time" + (releases == 1 ? "" : "s") + ") and nothing of theirs is held now; a new study"
                        + " of this patient is held when it arrives, and releasing it needs --force", CliException.FAILURE);
            }
        }
    }

    private ConfidentialityProfile releaseProfile(String name) throws Exception {
        ConfidentialityProfile profile = ProfileCatalog.forHome(home).load(name);
        if (profile.has(ProfileOption.RETAIN_LONGITUDINAL_FULL_DATES)) {
            throw new CliException("release profile '" + name + "' keeps full dates; a release anonymizes, so its profile "
                    + "must shift dates (retain-longitudinal-modified-dates) or remove them", CliException.FAILURE);
        }
        return profile;
    }
}
