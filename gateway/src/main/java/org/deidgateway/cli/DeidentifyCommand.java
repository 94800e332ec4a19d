package org.deidgateway.cli;

import org.deidgateway.audit.AuditEvent;
import org.deidgateway.audit.AuditLog;
import org.deidgateway.config.ProjectConfig;
import org.deidgateway.deid.AnonymousIdentities;
import org.deidgateway.deid.DeidentificationException;
import org.deidgateway.deid.DeidentifiedInstance;
import org.deidgateway.deid.Deidentifier;
import org.deidgateway.deid.DeidentifierFactory;
import org.deidgateway.dicom.DicomFileException;
import org.deidgateway.dicom.DicomFiles;
import org.deidgateway.dicom.DicomObject;
import org.deidgateway.keystore.GatewayKeystore;
import org.deidgateway.keystore.KeystoreException;
import org.deidgateway.store.StoreException;
import org.deidgateway.vault.IdentityVault;
import org.deidgateway.vault.VaultException;
import org.deidgateway.profile.ConfidentialityProfile;
import org.deidgateway.profile.ProfileCatalog;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.time.Duration;
import java.nio.file.Files;
import org.deidgateway.config.PixelsConfig;
import org.deidgateway.pixel.PixelCleaner;
import org.deidgateway.pixel.PixelMaskRules;
import org.deidgateway.pixel.TesseractOcr;
import org.deidgateway.profile.ProfileOption;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

@Command(name = "deidentify", mixinStandardHelpOptions = true,
        description = {"De-identify DICOM files and folders (recursively) into OUTDIR, laid out as "
                + "OUTDIR/PSEUDONYM/STUDY_UID/SERIES_UID/SOP_INSTANCE_UID.dcm with the new UIDs.",
                "Shows progress on a terminal, prints a summary on stdout and one line per failed file on stderr; "
                + "exits 1 if any file failed. The keystore passphrase is read from DEID_PASSPHRASE or asked for "
                + "on the terminal.",
                "With a pseudonymizing profile every patient's link is sealed into the home's correspondence table "
                + "before the file is written, so at least one curator must be registered (deid curator add). The "
                + "audit trail gets the counts per pseudonym, never an identity.",
                "With a profile that has clean-pixel-data (pseudonymize and anonymize have it), Ultrasound, Secondary "
                + "Capture, Burned In Annotation YES and objects a mask rule describes are cleaned as deid serve cleans them "
                + "(deid pixel-rules --help); one whose burned-in text cannot be cleared is not written and counts as failed, "
                + "with the reason.",
                "With an anonymizing profile (one with retain-longitudinal-modified-dates, such as anonymize) each "
                + "run draws, per patient, a new random Patient ID (ANON-...) and one random day offset that moves "
                + "every date of that patient (times unchanged), and a random key for the new UIDs. They exist only "
                + "in memory during the run and are kept nowhere: no vault record, and the audit trail gets only the "
                + "numbers of patients and instances. The same patient in two runs gets two unrelated identities, "
                + "so give a patient's whole case to one run."})
final class DeidentifyCommand implements Callable<Integer> {

    @Option(names = "--home", required = true, paramLabel = "DIR", description = "Installation home (deid init).")
    Path home;

    @Option(names = "--project", paramLabel = "NAME", description = "Project whose keys to use. Default: the only project.")
    String project;

    @Option(names = "--profile", paramLabel = "PROFILE",
            description = "Confidentiality profile (deid profile list). Default: the project's profile.")
    String profileName;

    @Option(names = "--out", required = true, paramLabel = "OUTDIR", description = "Folder for the de-identified files.")
    Path out;

    @Option(names = "--max-shift-days", paramLabel = "DAYS",
            description = "Anonymizing profiles only: offsets are drawn uniformly from -DAYS to +DAYS, never 0 "
                    + "(1 to " + AnonymousIdentities.LIMIT_MAX_SHIFT_DAYS + "). Default: "
                    + AnonymousIdentities.DEFAULT_MAX_SHIFT_DAYS + ".")
    Integer maxShiftDays;

    @Option(names = "--whole-weeks",
            description = "Anonymizing profiles only: offsets are whole weeks, so that weekdays stay right.")
    boolean wholeWeeks;

    @Parameters(arity = "1..*", paramLabel = "INPUT", description = "DICOM files or folders.")
    List<Path> inputs;

    @Override
    public Integer call() {
        return Cli.run(() -> {
            try (HomeAccess access = HomeAccess.open(home)) {
                ProjectConfig projectConfig = access.project(project);
                String profile = profileName == null ? projectConfig.profile() : profileName;
                ConfidentialityProfile confidentialityProfile = ProfileCatalog.forHome(home).load(profile);
                boolean anonymizing = confidentialityProfile.anonymizes();
                if (!anonymizing && (maxShiftDays != null || wholeWeeks)) {
                    throw new CliException("--max-shift-days and --whole-weeks apply to an anonymizing profile "
                            + "only; profile " + profile + " does not shift dates");
                }
                if (anonymizing) {
                    try (AnonymousIdentities identities = anonymousIdentities()) {
                        List<Path> files = collectInputs(inputs);
                        prepareOutput(out);
                        Deidentifier engine = DeidentifierFactory.createAnonymizing(projectConfig.name(),
                                confidentialityProfile, identities);
                        // the keystore only seals the audit trail here: nothing of this run is derived from it
                        return process(access, access.keystore(), new Run(engine, projectConfig.name(), null, true,
                                pixelCleaner(access, confidentialityProfile)), files);
                    }
                }
                List<Path> files = collectInputs(inputs);
                prepareOutput(out);
                // checked before the keystore passphrase is asked for
                access.requireCurators(projectConfig, confidentialityProfile);
                GatewayKeystore keystore = access.keystore();
                Deidentifier engine = access.engine(projectConfig, confidentialityProfile, keystore);
                IdentityVault vault = confidentialityProfile.pseudonymizes() ? access.vault() : null;
                return process(access, keystore, new Run(engine, projectConfig.name(), vault, false,
                        pixelCleaner(access, confidentialityProfile)), files);
            }
        });
    }

    /** The pixel cleaner when the profile cleans pixel data, else null. */
    private PixelCleaner pixelCleaner(HomeAccess access, ConfidentialityProfile profile) throws Exception {
        if (!profile.has(ProfileOption.CLEAN_PIXEL_DATA)) {
            return null;
        }
        PixelsConfig settings = access.config().pixelsOrDefault();
        return new PixelCleaner(PixelMaskRules.forHome(home), new TesseractOcr(settings.tesseractOrDefault(),
                Duration.ofSeconds(settings.ocrTimeoutSecondsOrDefault())), settings.maxFramesOrDefault());
    }

    private static int process(HomeAccess access, GatewayKeystore keystore, Run run, List<Path> files)
            throws StoreException, KeystoreException {
        int exit = run.process(files);
        run.audit(access, keystore, files.size());
        return exit;
    }

    private AnonymousIdentities anonymousIdentities() throws CliException {
        try {
            return AnonymousIdentities.create(maxShiftDays == null ? AnonymousIdentities.DEFAULT_MAX_SHIFT_DAYS
                    : maxShiftDays, wholeWeeks);
        } catch (IllegalArgumentException e) {
            throw new CliException(e.getMessage());
        }
    }

    /**
     * One command's work: the files, their outcomes, and the counts per pseudonym for the audit (for
     * an anonymizing run, per new ID in memory only: those IDs must not be recorded).
     */
    private final class Run {
        private final Deidentifier engine;
        private final String project;
        private final IdentityVault vault;
        private final boolean anonymizing;
        private final Map<String, int[]> perPseudonym = new TreeMap<>();
        private final List<String> failures = new ArrayList<>();
        private int done;
        private String abortedBy;

        private final PixelCleaner pixels;

        Run(Deidentifier engine, String project, IdentityVault vault, boolean anonymizing, PixelCleaner pixels) {
            this.pixels = pixels;
            this.engine = engine;
            this.project = project;
            this.vault = vault;
            this.anonymizing = anonymizing;
        }

        int process(List<Path> files) {
            Progress progress = new Progress(files.size());
            long started = System.nanoTime();
            for (Path file : files) {
                if (abortedBy != null) {
                    break;
                }
                one(file);
                progress.step(done, failures.size());
            }
            progress.finish();
            for (String failure : failures) {
                System.err.println("deid: failed: " + failure);
            }
            if (abortedBy != null) {
                System.err.println("deid: stopped: " + abortedBy);
            }
            double seconds = (System.nanoTime() - started) / 1e9;
            System.out.printf("de-identified %d of %d files, %d failed, %d patients, in %.1f s (profile %s) -> %s%n",
                    done, files.size(), failures.size(), perPseudonym.size(), seconds, engine.profile().name(), out);
            return failures.isEmpty() && abortedBy == null ? 0 : CliException.FAILURE;
        }

        /** Which attributes were not trusted and what became of them, by tag; empty when none. */
        private static String distrusted(DicomObject object, DeidentifiedInstance result) {
            java.util.List<String> parts = new java.util.ArrayList<>();
            if (!result.emptiedTags().isEmpty()) {
                parts.add("values that did not match their VR emptied " + DeidentifiedInstance.tags(result.emptiedTags()));
            }
            if (!result.unreadableTags().isEmpty()) {
                parts.add("UN elements not readable as their VR removed " + DeidentifiedInstance.tags(result.unreadableTags()));
            }
            if (!object.droppedTags().isEmpty()) {
                parts.add("elements of undefined length that are no sequence left out "
                        + DeidentifiedInstance.tags(object.droppedTags()));
            }
            return String.join("; ", parts);
        }

        private void one(Path file) {
            Path work = null;
            try {
                DicomObject object = DicomFiles.open(file);
                boolean cleanedPixels = false;
                String sopClass = com.pixelmed.dicom.Attribute.getSingleStringValueOrEmptyString(object.dataset(),
                        com.pixelmed.dicom.TagFromName.SOPClassUID).trim();
                if (pixels != null && pixels.needsCleaning(object.dataset(), sopClass, false)) {
                    work = Files.createTempFile(out, ".deid-pixels-", ".part");
                    PixelCleaner.Outcome outcome = pixels.clean(object, engine.identifyingStrings(object.dataset()), work);
                    if (outcome instanceof PixelCleaner.Held held) {
                        failures.add(file + ": not written: " + held.reason());
                        return;
                    }
                    object = ((PixelCleaner.Cleaned) outcome).object();
                    cleanedPixels = true;
                }
                DeidentifiedInstance result = engine.deidentify(object.dataset());
                if (cleanedPixels) {
                    try {
                        PixelCleaner.recordCleaned(object.dataset());
                    } catch (com.pixelmed.dicom.DicomException e) {
                        throw new DeidentificationException("cannot record Clean Pixel Data (" + e.getMessage() + ")", e);
                    }
                }
                // the link is sealed before the file exists: no output without its way back
                boolean newStudy = vault != null && vault.record(project, result);
                Path target = out.resolve(result.pseudonym()).resolve(result.studyInstanceUid())
                        .resolve(result.seriesInstanceUid()).resolve(result.sopInstanceUid() + ".dcm");
                DicomFiles.writeAtomically(object, target);
                done++;
                String distrusted = distrusted(object, result);
                if (!distrusted.isEmpty()) {
                    System.err.println("deid: " + file.getFileName() + ": " + distrusted);
                }
                int[] counts = perPseudonym.computeIfAbsent(result.pseudonym(), p -> new int[2]);
                counts[0]++;
                counts[1] += newStudy ? 1 : 0;
            } catch (StoreException e) {
                // the database is locked, read-only or full: every further file would fail the same way
                failures.add(file + ": not processed: " + e.getMessage());
                abortedBy = e.getMessage();
            } catch (DicomFileException | DeidentificationException | VaultException e) {
                failures.add(file + ": " + e.getMessage());
            } catch (IOException e) {
                failures.add(file + ": " + e.getClass().getSimpleName() + ": " + e.getMessage());
            } catch (RuntimeException e) {
                failures.add(file + ": internal error (" + e.getClass().getName() + ")");
            } finally {
                if (work != null) {
                    try {
                        Files.deleteIfExists(work);
                    } catch (IOException e) {
                        failures.add(work + ": work file left behind (" + e.getClass().getSimpleName() + ")");
                    }
                }
            }
        }

        /**
         * One entry per pseudonym (instances, new studies) and one for the run, then a sealed
         * checkpoint. An anonymizing run gets the run entry only: its new IDs would link the
         * output to this home.
         */
        void audit(HomeAccess access, GatewayKeystore keystore, int fileCount) throws StoreException, KeystoreException {
            if (abortedBy != null && done == 0) {
                return;
            }
            AuditLog audit = access.audit();
            access.database().inTransaction(c -> {
                Map<String, int[]> recordable = anonymizing ? Map.of() : perPseudonym;
                for (Map.Entry<String, int[]> entry : recordable.entrySet()) {
                    audit.append(AuditEvent.DEIDENTIFIED, HomeAccess.operator(), Map.of("project", project,
                            "pseudonym", entry.getKey(), "instances", entry.getValue()[0], "new-studies", entry.getValue()[1]));
                }
                Map<String, Object> run = new LinkedHashMap<>();
                run.put("project", project);
                run.put("profile", engine.profile().name());
                run.put("files", fileCount);
                run.put("de-identified", done);
                run.put("failed", failures.size());
                run.put("patients", perPseudonym.size());
                if (anonymizing) {
                    run.put("identities", "anonymous, per run, kept nowhere");
                }
                audit.append(AuditEvent.DEIDENTIFICATION_RUN, HomeAccess.operator(), run);
                return null;
            });
            access.checkpoint(keystore);
        }
    }

    static List<Path> collectInputs(List<Path> inputs) throws CliException, IOException {
        List<Path> files = new ArrayList<>();
        for (Path input : inputs) {
            if (Files.isDirectory(input)) {
                try (Stream<Path> walk = Files.walk(input)) {
                    walk.filter(Files::isRegularFile).sorted().forEach(files::add);
                }
            } else if (Files.isRegularFile(input)) {
                files.add(input);
            } else {
                throw new CliException(input + ": no such file or folder");
            }
        }
        if (files.isEmpty()) {
            throw new CliException("no files found in " + inputs);
        }
        return files;
    }

    static void prepareOutput(Path out) throws CliException {
        try {
            Files.createDirectories(out);
        } catch (IOException e) {
            throw new CliException(out + ": cannot create the output folder (" + e.getClass().getSimpleName() + ")",
                    CliException.FAILURE);
        }
        if (!Files.isWritable(out)) {
            throw new CliException(out + ": output folder is not writable", CliException.FAILURE);
        }
    }
}
