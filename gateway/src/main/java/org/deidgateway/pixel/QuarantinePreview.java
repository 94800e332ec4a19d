package org.deidgateway.pixel;

import org.deidgateway.deid.TextCleaner;
import org.deidgateway.dicom.DicomFileException;
import org.deidgateway.dicom.DicomFiles;
import org.deidgateway.dicom.DicomObject;

import javax.imageio.ImageIO;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The first frame of a held object as a picture for a curator: the mask rules' regions in blue,
 * and the words OCR reads, red where they identify (as the pixel cleaner judges them), yellow for
 * other text. Boxes are drawn as outlines, so what is under them stays visible.
 */
public final class QuarantinePreview {

    private QuarantinePreview() {
    }

    /** What the picture shows; {@code ocrProblem} is why OCR did not run, or null. */
    public record Drawn(int frames, int ruleBoxes, int identifyingWords, int otherWords, String ocrProblem) {
    }

    public static Drawn write(Path dicomFile, PixelMaskRules rules, TesseractOcr ocr, Path png)
            throws IOException, DicomFileException, PixelDataException {
        DicomObject object = DicomFiles.open(dicomFile);
        if (object.pixels() == null) {
            throw new PixelDataException("the object has no pixel data to show");
        }
        try (PixelFrames frames = PixelFrames.open(object)) {
            PixelLayout layout = frames.layout();
            BufferedImage gray = frames.renderGray8(frames.frame(0));
            BufferedImage picture = new BufferedImage(gray.getWidth(), gray.getHeight(), BufferedImage.TYPE_INT_RGB);
            Graphics2D g = picture.createGraphics();
            g.drawImage(gray, 0, 0, null);
            g.setStroke(new BasicStroke(Math.max(1f, gray.getWidth() / 400f)));
            int ruleBoxes = 0;
            g.setColor(new Color(40, 120, 255));
            for (MaskRule rule : rules.match(object.dataset()).matching()) {
                try {
                    for (Rect r : rule.rectanglesFor(layout.columns(), layout.rows())) {
                        g.drawRect(r.x(), r.y(), r.width() - 1, r.height() - 1);
                        ruleBoxes++;
                    }
                } catch (PixelDataException e) {
                    // the rule does not fit this image: nothing of it to draw (the reason says so)
                }
            }
            int identifying = 0;
            int other = 0;
            String problem = ocr.unavailableReason();
            if (problem == null) {
                try {
                    List<OcrWord> words = ocr.read(gray);
                    // without the original header's strings the preview judges by pattern, and by the header it has
                    TextCleaner cleaner = IdentifyingText.of(object.dataset());
                    BurnedInText.Judged judged = BurnedInText.judge(words, cleaner);
                    List<Rect> red = judged.toMask();
                    g.setColor(Color.RED);
                    for (Rect r : red) {
                        g.drawRect(r.x(), r.y(), r.width() - 1, r.height() - 1);
                    }
                    identifying = red.size();
                    List<Rect> yellow = judged.otherText();
                    g.setColor(Color.YELLOW);
                    for (Rect r : yellow) {
                        g.drawRect(r.x(), r.y(), r.width() - 1, r.height() - 1);
                    }
                    other = yellow.size();
                } catch (TesseractOcr.OcrException e) {
                    problem = e.getMessage();
                }
            }
            g.dispose();
            Path parent = png.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            if (!ImageIO.write(picture, "png", png.toFile())) {
                throw new IOException("no PNG writer in this Java runtime");
            }
            return new Drawn(frames.frameCount(), ruleBoxes, identifying, other, problem);
        }
    }
}
