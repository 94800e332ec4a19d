package org.deidgateway.cli;

import org.deidgateway.deid.Deidentifier;
import org.deidgateway.deid.DeidentifierFactory;
import org.deidgateway.dicom.DicomFiles;
import org.deidgateway.dicom.DicomObject;
import org.deidgateway.profile.ProfileCatalog;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * Measures what the engine costs on top of plain PixelMed read + write of the same files, in one
 * JVM and one run, alternating the two so that disk cache and JIT treat them alike.
 */
@Command(name = "bench-engine", hidden = true, mixinStandardHelpOptions = true,
        description = "Benchmark: read+write versus read+de-identify+write of the files in a folder (bench/).")
final class BenchCommand implements Callable<Integer> {

    @Option(names = "--input", required = true, paramLabel = "DIR")
    Path input;

    @Option(names = "--out", required = true, paramLabel = "DIR")
    Path out;

    @Option(names = "--profile", defaultValue = "pseudonymize")
    String profile;

    @Option(names = "--rounds", defaultValue = "3")
    int rounds;

    @Override
    public Integer call() {
        return Cli.run(() -> {
            List<Path> files = DeidentifyCommand.collectInputs(List.of(input));
            byte[] secret = new byte[32];
            new SecureRandom().nextBytes(secret);
            Deidentifier engine = DeidentifierFactory.create("bench", "BENCH", ProfileCatalog.forHome(null).load(profile), secret);
            Files.createDirectories(out);
            pass(files, null);            // warm-up, both paths
            pass(files, engine);
            long plain = 0;
            long deid = 0;
            for (int round = 0; round < rounds; round++) {
                plain += pass(files, null);
                deid += pass(files, engine);
            }
            double plainRate = files.size() * rounds / (plain / 1e9);
            double deidRate = files.size() * rounds / (deid / 1e9);
            System.out.printf("files %d, rounds %d, profile %s%n", files.size(), rounds, profile);
            System.out.printf("read+write            %8.1f files/s%n", plainRate);
            System.out.printf("read+deidentify+write %8.1f files/s%n", deidRate);
            System.out.printf("engine overhead = %.1f%% (time ratio %.3f)%n", 100.0 * (deid - plain) / plain, (double) deid / plain);
            return 0;
        });
    }

    private long pass(List<Path> files, Deidentifier engine) throws Exception {
        long start = System.nanoTime();
        int i = 0;
        for (Path file : files) {
            DicomObject object = DicomFiles.open(file);
            if (engine != null) {
                engine.deidentify(object.dataset());
            }
            DicomFiles.writeAtomically(object, out.resolve((i++) + ".dcm"));
        }
        return System.nanoTime() - start;
    }
}
