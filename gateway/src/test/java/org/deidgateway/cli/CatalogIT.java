package org.deidgateway.cli;

import org.deidgateway.testsupport.TestData;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The research catalog (issue 17) of what went through {@code deid serve}: pydicom's sample files
 * of several modalities and generated CT studies of six patients. The export is checked against
 * an independent count of the delivered files (catalog-check.py, pydicom) and the shipped JSON
 * Schema, holds no identifying value of the originals, and withholds what one patient alone holds.
 */
class CatalogIT {

    /** Uncompressed, of seven modalities; storescu -R proposes each file's own SOP class and transfer syntax. */
    private static final List<String> SAMPLES = List.of("CT_small.dcm", "MR_small.dcm", "liver_1frame.dcm", "rtdose.dcm",
            "rtplan.dcm", "reportsi.dcm", "waveform_ecg.dcm");
    /** JPEG 2000 lossless, a CT of the head: storescu needs -xv to propose it. */
    private static final String J2K_LOSSLESS = "J2K_pixelrep_mismatch.dcm";
    private static final Path CHECK = TestData.repoRoot().resolve("gateway/src/test/scripts/catalog-check.py");
    private static final Path SCHEMA = TestData.repoRoot().resolve("docs/catalog/dicom-miabis-catalog.schema.json");

    @TempDir
    Path dir;
    private Process serve;

    @AfterEach
    void stop() throws Exception {
        if (serve != null) {
            serve.destroy();
            serve.waitFor(60, TimeUnit.SECONDS);
        }
    }

    @Test
    void theExportCountsWhatWasDeliveredAndNamesNobody() throws Exception {
        Map<String, String> env = Map.of("DEID_PASSPHRASE", "catalog-passphrase", "DEID_CURATOR_PASSPHRASE", "catalog-curator");
        Path home = dir.resolve("home");
        Path out = dir.resolve("out");
        ok(env, "init", "--home", home.toString(), "--project", "lung", "--curator", "Ana", "--curator-out",
                dir.resolve("ana.p12").toString());
        ok(env, "destination", "add", "--home", home.toString(), "--name", "out", "--folder", out.toString());
        int port = ItSupport.freePort();
        int metrics = ItSupport.freePort();
        ok(env, "config", "set", "--home", home.toString(), "dicom.port", Integer.toString(port));
        ok(env, "config", "set", "--home", home.toString(), "dicom.bind-address", "127.0.0.1");
        ok(env, "config", "set", "--home", home.toString(), "metrics.port", Integer.toString(metrics));

        Path samples = dir.resolve("sent/samples");
        Files.createDirectories(samples);
        for (String name : SAMPLES) {
            Files.copy(TestData.pydicom(name), samples.resolve(name));
        }
        Path j2k = dir.resolve("sent/j2k");
        Files.createDirectories(j2k);
        Files.copy(TestData.pydicom(J2K_LOSSLESS), j2k.resolve(J2K_LOSSLESS));
        Path generated = dir.resolve("sent/generated");
        run(List.of("/usr/bin/python3", TestData.repoRoot().resolve("bench/generate-ct.py").toString(), generated.toString(), "12", "6"));

        serve = ItSupport.serve(dir, home, env, "catalog");
        storescu(port, samples, "-R");
        storescu(port, j2k, "-xv");
        storescu(port, generated, "-R");
        ItSupport.waitFor(() -> settled(env, home), 120, "everything processed and delivered");

        DeidProcess.Result all = DeidProcess.run(dir, env, "catalog", "export", "--home", home.toString(), "--min-cell", "1",
                "--out", dir.resolve("catalog.json").toString(), "--biobank-id", "ES_TEST", "--country", "ES");
        assertEquals(0, all.exit(), all.out() + all.err());
        String check = run(List.of("/usr/bin/python3", CHECK.toString(), dir.resolve("catalog.json").toString(),
                SCHEMA.toString(), "lung", out.toString(), samples.toString(), j2k.toString(), generated.toString()));
        assertFalse(check.contains("FAIL"), check);
        assertTrue(check.contains("PASS: patients, studies, series, images"), check);

        // with the default of 5: the six generated patients' CT is shown, MR (one patient) is withheld
        DeidProcess.Result small = DeidProcess.run(dir, env, "catalog", "export", "--home", home.toString());
        assertEquals(0, small.exit(), small.err());
        assertTrue(small.out().contains("\"Modality\" : \"CT\""), small.out());
        assertFalse(small.out().contains("\"Value\" : \"MR\""), small.out());
        assertFalse(small.out().contains("\"Modality\" : \"MR\""), small.out());
        assertTrue(small.out().contains("\"Suppressed\" : true"), small.out());
        assertFalse(Pattern.compile("\"Patients\" : [1-4],").matcher(small.out()).find(), "a count below 5 patients: " + small.out());

        DeidProcess.Result csv = DeidProcess.run(dir, env, "catalog", "export", "--home", home.toString(), "--format", "csv");
        assertEquals(0, csv.exit(), csv.err());
        assertTrue(csv.out().startsWith("biobank,collection,section,modality,value,patients,studies,series,images,suppressed\n"));
        assertTrue(csv.out().contains(",modality,CT,CT,"), csv.out());
        DeidProcess.Result turtle = DeidProcess.run(dir, env, "catalog", "export", "--home", home.toString(), "--format", "turtle");
        assertEquals(0, turtle.exit(), turtle.err());
        assertTrue(turtle.out().startsWith("@prefix dm: <urn:deid-gateway:dicom-miabis#> ."), turtle.out());
        DeidProcess.Result show = DeidProcess.run(dir, env, "catalog", "show", "--home", home.toString());
        assertEquals(0, show.exit(), show.err());
        assertTrue(show.out().contains("project lung (counts below 5 patients withheld)"), show.out());

        DeidProcess.Result bad = DeidProcess.run(dir, env, "catalog", "export", "--home", home.toString(), "--format", "xml");
        assertEquals(2, bad.exit(), bad.err());
        assertTrue(bad.err().contains("--format must be miabis-json, csv or turtle"), bad.err());

        // the gauges count what the export counts
        String delivered = String.valueOf(ItSupport.dicomFiles(out).size());
        ItSupport.waitFor(() -> scrape(metrics).contains("deid_catalog_instances{project=\"lung\"} " + delivered + ".0"), 30,
                "the catalog gauge at " + delivered + " instances");
        DeidProcess.Result audit = DeidProcess.run(dir, env, "audit", "show", "--home", home.toString());
        assertTrue(audit.out().contains("catalog-exported"), audit.out());
    }

    /** Nothing waits to be processed and no delivery is pending. */
    private boolean settled(Map<String, String> env, Path home) throws Exception {
        DeidProcess.Result status = DeidProcess.run(dir, env, "queue", "status", "--home", home.toString());
        Matcher pending = Pattern.compile("(?m)^out\\s+(\\d+)\\s+(\\d+)").matcher(status.out());
        return status.out().contains("received, waiting to be processed: 0") && status.out().contains("pixels cleaned, waiting to be processed: 0")
                && status.out().contains("waiting for pixel cleaning (OCR): 0") && pending.find() && pending.group(1).equals("0")
                && Integer.parseInt(pending.group(2)) > 0;
    }

    private void storescu(int port, Path folder, String proposal) throws Exception {
        List<String> command = new ArrayList<>(List.of("storescu", proposal, "-aec", "DEIDGW", "-to", "20", "-ta", "20", "-td", "20",
                "+sd", "+r", "127.0.0.1", Integer.toString(port), folder.toString()));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(dir.resolve("storescu-" + folder.getFileName() + ".log").toFile());
        pb.environment().put("TCP_NODELAY", "1");
        Process p = pb.start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "storescu finished");
        assertEquals(0, p.exitValue(), "storescu: " + Files.readString(dir.resolve("storescu-" + folder.getFileName() + ".log")));
    }

    private static String scrape(int port) {
        try {
            return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
        } catch (Exception e) {
            return "";
        }
    }

    private String run(List<String> command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), String.join(" ", command));
        assertEquals(0, p.exitValue(), String.join(" ", command) + ": " + output);
        return output;
    }

    private void ok(Map<String, String> env, String... args) throws Exception {
        DeidProcess.Result r = DeidProcess.run(dir, env, args);
        assertEquals(0, r.exit(), String.join(" ", args) + ": " + r.out() + r.err());
    }
}
