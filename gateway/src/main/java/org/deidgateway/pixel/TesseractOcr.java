package org.deidgateway.pixel;

import javax.imageio.ImageIO;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * OCR through the Tesseract 5 command line (Debian's tesseract-ocr). Each image is read twice and
 * the words of both readings kept: as it is with page segmentation 3, and scaled up twice with
 * segmentation 4, since ultrasound and screen text is often 8–12 pixels high, which Tesseract
 * misses at its own size, while upscaling alone lost lines of larger text in our measurements
 * (docs/decisions.md). One Tesseract thread per call: on two cores OpenMP made each call slower.
 * Thread-safe; each call has its own files in a private folder, deleted afterwards.
 */
public final class TesseractOcr {

    private static final long RECHECK_NANOS = TimeUnit.SECONDS.toNanos(60);

    private final String executable;
    private final Duration timeout;
    private volatile String unavailable;
    private volatile long checkedAt;
    private volatile boolean checked;

    public TesseractOcr(String executable, Duration timeout) {
        this.executable = executable;
        this.timeout = timeout;
    }

    /** OCR could not run on an image: the reason, for the quarantine (no text of the image in it). */
    public static final class OcrException extends Exception {
        public OcrException(String message) {
            super(message);
        }
    }

    /** Null when Tesseract runs; else why not, as a quarantine reason. Checked again a minute later. */
    public String unavailableReason() {
        long now = System.nanoTime();
        if (checked && (unavailable == null || now - checkedAt < RECHECK_NANOS)) {
            return unavailable;
        }
        String reason;
        try {
            Path listing = Files.createTempFile("deid-ocr-", ".txt");
            boolean ended;
            byte[] out;
            Process p;
            try {
                p = new ProcessBuilder(executable, "--list-langs").redirectErrorStream(true)
                        .redirectOutput(listing.toFile()).start();
                ended = p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
                out = Files.readAllBytes(listing);
            } finally {
                Files.deleteIfExists(listing);
            }
            if (!ended) {
                p.destroyForcibly();
                reason = "OCR is not usable: '" + executable + " --list-langs' did not answer within " + timeout.toSeconds() + " s";
            } else if (p.exitValue() != 0) {
                reason = "OCR is not usable: '" + executable + " --list-langs' exited with " + p.exitValue();
            } else if (!new String(out, StandardCharsets.UTF_8).lines().anyMatch(l -> l.trim().equals("eng"))) {
                reason = "OCR is not usable: Tesseract has no English model (Debian package tesseract-ocr-eng)";
            } else {
                reason = null;
            }
        } catch (IOException e) {
            reason = "OCR is not installed: '" + executable + "' cannot be run (Debian package tesseract-ocr; "
                    + "or set pixels.tesseract)";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "OCR check interrupted";
        }
        unavailable = reason;
        checkedAt = now;
        checked = true;
        return reason;
    }

    /** The words of an 8-bit grayscale image (text as on screen), boxes in its pixels. */
    public List<OcrWord> read(BufferedImage gray) throws IOException, OcrException {
        List<OcrWord> words = new ArrayList<>(run(gray, 1, "3", "a"));
        if (gray.getWidth() * 2 <= 8192 && gray.getHeight() * 2 <= 8192) {
            words.addAll(run(gray, 2, "4", "b"));
        }
        return words;
    }

    private List<OcrWord> run(BufferedImage gray, int scale, String psm, String pass) throws IOException, OcrException {
        BufferedImage input = prepared(gray, scale);
        Path dir = Files.createTempDirectory("deid-ocr-", PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("rwx------")));
        Path png = dir.resolve("frame.png");
        try {
            ImageIO.write(input, "png", png.toFile());
            // output to a file, not a pipe: a hung Tesseract must not block the reader past the time limit
            Path tsvFile = dir.resolve("words.tsv");
            ProcessBuilder builder = new ProcessBuilder(executable, png.toString(), "stdout", "--psm", psm, "-l", "eng", "tsv")
                    .redirectError(ProcessBuilder.Redirect.DISCARD).redirectOutput(tsvFile.toFile());
            builder.environment().put("OMP_THREAD_LIMIT", "1");
            Process p;
            try {
                p = builder.start();
            } catch (IOException e) {
                unavailable = null;
                checked = false;
                throw new OcrException("OCR is not installed: '" + executable + "' cannot be run (Debian package tesseract-ocr; "
                        + "or set pixels.tesseract)");
            }
            byte[] tsv;
            try {
                p.getOutputStream().close();
                if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    p.destroyForcibly();
                    throw new OcrException("OCR took longer than " + timeout.toSeconds() + " s on one image (pixels.ocr-timeout-seconds)");
                }
            } catch (InterruptedException e) {
                p.destroyForcibly();
                Thread.currentThread().interrupt();
                throw new OcrException("OCR interrupted");
            }
            if (p.exitValue() != 0) {
                throw new OcrException("OCR failed on an image (tesseract exit code " + p.exitValue() + ")");
            }
            tsv = Files.readAllBytes(tsvFile);
            return parse(new String(tsv, StandardCharsets.UTF_8), scale, pass);
        } finally {
            Files.deleteIfExists(png);
            Files.deleteIfExists(dir.resolve("words.tsv"));
            Files.deleteIfExists(dir);
        }
    }

    /**
     * Grayscale, scaled; light text on a dark screen is inverted, as Tesseract reads dark text on
     * light ground best.
     */
    private static BufferedImage prepared(BufferedImage gray, int scale) {
        int w = gray.getWidth() * scale;
        int h = gray.getHeight() * scale;
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
        Graphics2D g = out.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BICUBIC);
        g.drawImage(gray, 0, 0, w, h, null);
        g.dispose();
        byte[] data = ((java.awt.image.DataBufferByte) out.getRaster().getDataBuffer()).getData();
        long sum = 0;
        for (byte b : data) {
            sum += b & 0xFF;
        }
        if (data.length > 0 && sum / data.length < 128) {
            for (int i = 0; i < data.length; i++) {
                data[i] = (byte) (255 - (data[i] & 0xFF));
            }
        }
        return out;
    }

    /** Tesseract's TSV: level 5 rows are words, with block, paragraph and line numbers and a box. */
    static List<OcrWord> parse(String tsv, int scale, String pass) {
        List<OcrWord> words = new ArrayList<>();
        for (String row : tsv.split("\n")) {
            String[] f = row.split("\t", -1);
            if (f.length < 12 || !f[0].equals("5")) {
                continue;
            }
            String text = f[11].trim();
            if (text.isEmpty()) {
                continue;
            }
            try {
                int left = Integer.parseInt(f[6]) / scale;
                int top = Integer.parseInt(f[7]) / scale;
                int width = Math.max(1, (Integer.parseInt(f[8]) + scale - 1) / scale);
                int height = Math.max(1, (Integer.parseInt(f[9]) + scale - 1) / scale);
                float conf = Float.parseFloat(f[10]);
                words.add(new OcrWord(text, new Rect(left, top, width, height), conf, pass + f[2] + "." + f[3] + "." + f[4]));
            } catch (NumberFormatException e) {
                // a row Tesseract did not fill: no word to judge
            }
        }
        return words;
    }
}
