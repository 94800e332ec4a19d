package org.deidgateway.cli;

import org.deidgateway.deid.Deidentifier;
import org.deidgateway.deid.DeidentifierFactory;
import org.deidgateway.dicom.DicomFiles;
import org.deidgateway.dicom.DicomObject;
import org.deidgateway.profile.ProfileCatalog;
import org.deidgateway.pixel.PixelCleaner;
import org.deidgateway.pixel.PixelMaskRules;
import org.deidgateway.pixel.TesseractOcr;
import java.time.Duration;
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

    @Option(names = "--pixels", description = "Also clean the pixel data (Clean Pixel Data: mask rules, OCR, verification).")
    boolean pixels;

    private PixelCleaner cleaner;

    @Override
    public Integer call() {
        return Cli.run(() -> {
            List<Path> files = DeidentifyCommand.collectInputs(List.of(input));
            byte[] secret = new byte[32];
            new SecureRandom().nextBytes(secret);
            Deidentifier engine = DeidentifierFactory.create("bench", "BENCH", ProfileCatalog.forHome(null).load(profile), secret);
            Files.createDirectories(out);
            if (pixels) {
                cleaner = new PixelCleaner(PixelMaskRules.forHome(null), new TesseractOcr("tesseract", Duration.ofSeconds(60)),
                        1000);
            }
            pass(files, null);            // warm-up, both paths (OCR needs none: it runs outside the JVM)
            if (!pixels) {
                pass(files, engine);
            }
            long plain = 0;
            long deid = 0;
            for (int round = 0; round < rounds; round++) {
                plain += pass(files, null);
                deid += pass(files, engine);
            }
            double plainRate = files.size() * rounds / (plain / 1e9);
            double deidRate = files.size() * rounds / (deid / 1e9);
            System.out.printf("files %d, rounds %d, profile %s%s%n", files.size(), rounds, profile,
                    pixels ? ", pixels cleaned (" + held + " held in the last round)" : "");
            System.out.printf("read+write            %8.1f files/s%n", plainRate);
            System.out.printf("read+deidentify+write %8.1f files/s%s%n", deidRate, pixels ? " (with Clean Pixel Data)" : "");
            System.out.printf("ratio to read+write   %8.4f%n", deidRate / plainRate);
            System.out.printf("engine overhead = %.1f%% (time ratio %.3f)%n", 100.0 * (deid - plain) / plain, (double) deid / plain);
            return 0;
        });
    }

    private int held;

    private long pass(List<Path> files, Deidentifier engine) throws Exception {
        held = 0;
        long start = System.nanoTime();
        int i = 0;
        for (Path file : files) {
            DicomObject object = DicomFiles.open(file);
            Path work = out.resolve(i + ".pixels");
            if (engine != null && cleaner != null) {
                PixelCleaner.Outcome outcome = cleaner.clean(object, engine.identifyingStrings(object.dataset()), work);
                if (outcome instanceof PixelCleaner.Cleaned c) {
                    object = c.object();
                } else {
                    held++;
                    continue;
                }
            }
            if (engine != null) {
                engine.deidentify(object.dataset());
            }
            DicomFiles.writeAtomically(object, out.resolve((i++) + ".dcm"));
            Files.deleteIfExists(work);
        }
        return System.nanoTime() - start;
    }
}
