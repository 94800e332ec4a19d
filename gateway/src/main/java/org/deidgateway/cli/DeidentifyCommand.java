package org.deidgateway.cli;

import org.deidgateway.config.ProjectConfig;
import org.deidgateway.deid.DeidentificationException;
import org.deidgateway.deid.DeidentifiedInstance;
import org.deidgateway.deid.Deidentifier;
import org.deidgateway.deid.DeidentifierFactory;
import org.deidgateway.dicom.DicomFileException;
import org.deidgateway.dicom.DicomFiles;
import org.deidgateway.dicom.DicomObject;
import org.deidgateway.keystore.GatewayKeystore;
import org.deidgateway.profile.ConfidentialityProfile;
import org.deidgateway.profile.ProfileCatalog;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

@Command(name = "deidentify", mixinStandardHelpOptions = true,
        description = {"De-identify DICOM files and folders (recursively) into OUTDIR, laid out as "
                + "OUTDIR/PSEUDONYM/STUDY_UID/SERIES_UID/SOP_INSTANCE_UID.dcm with the new UIDs.",
                "Shows progress on a terminal, prints a summary on stdout and one line per failed file on stderr; "
                + "exits 1 if any file failed. The keystore passphrase is read from DEID_PASSPHRASE or asked for "
                + "on the terminal."})
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

    @Parameters(arity = "1..*", paramLabel = "INPUT", description = "DICOM files or folders.")
    List<Path> inputs;

    @Override
    public Integer call() {
        return Cli.run(() -> {
            HomeAccess access = HomeAccess.open(home);
            ProjectConfig projectConfig = access.project(project);
            String profile = profileName == null ? projectConfig.profile() : profileName;
            ConfidentialityProfile confidentialityProfile = ProfileCatalog.forHome(home).load(profile);
            List<Path> files = collectInputs(inputs);
            prepareOutput(out);
            byte[] secret = GatewayKeystore.open(access.layout.keystore(), Passphrases.gateway(false))
                    .projectMasterSecret(projectConfig.name());
            Deidentifier engine;
            try {
                engine = DeidentifierFactory.create(projectConfig.name(), projectConfig.pseudonymPrefix(),
                        confidentialityProfile, secret);
            } finally {
                Arrays.fill(secret, (byte) 0);
            }
            return run(engine, files);
        });
    }

    private int run(Deidentifier engine, List<Path> files) {
        Progress progress = new Progress(files.size());
        long started = System.nanoTime();
        int done = 0;
        List<String> failures = new ArrayList<>();
        for (Path file : files) {
            try {
                DicomObject object = DicomFiles.read(file);
                DeidentifiedInstance result = engine.deidentify(object.dataset());
                Path target = out.resolve(result.pseudonym()).resolve(result.studyInstanceUid())
                        .resolve(result.seriesInstanceUid()).resolve(result.sopInstanceUid() + ".dcm");
                DicomFiles.writeAtomically(object, target);
                done++;
            } catch (DicomFileException | DeidentificationException e) {
                failures.add(file + ": " + e.getMessage());
            } catch (IOException e) {
                failures.add(file + ": " + e.getClass().getSimpleName() + ": " + e.getMessage());
            } catch (RuntimeException e) {
                failures.add(file + ": internal error (" + e.getClass().getName() + ")");
            }
            progress.step(done, failures.size());
        }
        progress.finish();
        for (String failure : failures) {
            System.err.println("deid: failed: " + failure);
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        System.out.printf("de-identified %d of %d files, %d failed, in %.1f s (profile %s) -> %s%n",
                done, files.size(), failures.size(), seconds, engine.profile().name(), out);
        return failures.isEmpty() ? 0 : CliException.FAILURE;
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
