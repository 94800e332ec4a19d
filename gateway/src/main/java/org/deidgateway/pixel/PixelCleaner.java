package org.deidgateway.pixel;

import com.pixelmed.dicom.Attribute;
import com.pixelmed.dicom.AttributeList;
import com.pixelmed.dicom.CodeStringAttribute;
import com.pixelmed.dicom.DicomException;
import com.pixelmed.dicom.SequenceAttribute;
import com.pixelmed.dicom.TagFromName;
import org.deidgateway.deid.TextCleaner;
import org.deidgateway.dicom.DicomObject;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Clean Pixel Data for one object, frame by frame: the rectangles of every matching mask rule are
 * blanked, OCR reads the frame and the words that identify the patient (or look like a date or an
 * ID) are blanked too, then OCR reads the whole frame and the surroundings of every blanked region
 * again. The object is forwarded only when nothing identifying is readable any more; without a
 * rule for its layout, also only when OCR found no text it could not judge (a layout nobody has
 * described may show identity in words OCR reads wrongly).
 */
public final class PixelCleaner {

    /** Around each blanked region, so that the edge of a glyph left beside a box is read too. */
    private static final int PAD = 2;
    private static final int MAX_SURROUNDINGS = 12;
    private static final int MAX_POSITIONS = 8;

    private final PixelMaskRules rules;
    private final TesseractOcr ocr;
    private final int maxFrames;

    public PixelCleaner(PixelMaskRules rules, TesseractOcr ocr, int maxFrames) {
        this.rules = rules;
        this.ocr = ocr;
        this.maxFrames = maxFrames;
    }

    public sealed interface Outcome permits Cleaned, Held {
    }

    /**
     * Cleaned and checked; {@code summary}: rule names, counts and the output encoding, no word read;
     * {@code masked}: the regions blanked in each frame.
     */
    public record Cleaned(DicomObject object, String summary, List<List<Rect>> masked) implements Outcome {
    }

    /** For the quarantine: the reason, with positions but never the words. */
    public record Held(String reason) implements Outcome {
    }

    /**
     * Whether the object's pixels need cleaning: Burned In Annotation YES, every Ultrasound and
     * Secondary Capture (screens say NO and still show a name) unless the project accepts them as
     * they are ({@code acceptsScreenCaptures}, hospital IT's explicit choice), and anything a mask
     * rule describes.
     */
    public boolean needsCleaning(AttributeList dataset, String sopClassUid, boolean acceptsScreenCaptures) {
        return mayShowText(dataset, sopClassUid, acceptsScreenCaptures) || !rules.match(dataset).matching().isEmpty();
    }

    /** The same without mask rules (when the rules file cannot be read). */
    public static boolean mayShowText(AttributeList dataset, String sopClassUid, boolean acceptsScreenCaptures) {
        String burnedIn = Attribute.getSingleStringValueOrEmptyString(dataset, TagFromName.BurnedInAnnotation).trim();
        return burnedIn.equalsIgnoreCase("YES") || (!acceptsScreenCaptures && isScreenCaptureOrUltrasound(sopClassUid));
    }

    private static final String SECONDARY_CAPTURE = "1.2.840.10008.5.1.4.1.1.7";
    private static final String VISIBLE_LIGHT = "1.2.840.10008.5.1.4.1.1.77.";

    /**
     * Classes whose pixels are taken to show identity whatever Burned In Annotation says: screen
     * captures and scanned documents, ultrasound (names on the probe's screen), and visible light
     * images (photographs show faces, slide labels and fundus photographs carry names). Not the
     * ophthalmic measurements under ...1.1.78 and ...1.1.79, which have no pixels.
     */
    public static boolean isScreenCaptureOrUltrasound(String sopClassUid) {
        return sopClassUid.equals(SECONDARY_CAPTURE) || sopClassUid.startsWith(SECONDARY_CAPTURE + ".") // all multi-frame kinds
                || sopClassUid.startsWith(VISIBLE_LIGHT)
                || sopClassUid.equals("1.2.840.10008.5.1.4.1.1.6.1")   // US Image
                || sopClassUid.equals("1.2.840.10008.5.1.4.1.1.3.1")   // US Multi-frame
                || sopClassUid.equals("1.2.840.10008.5.1.4.1.1.6.2");  // Enhanced US Volume
    }

    /** Cleans and checks every frame; the masked pixel data go to {@code workFile}. */
    public Outcome clean(DicomObject object, TextCleaner identifying, Path workFile) throws IOException {
        if (object.pixels() == null) {
            return new Held("no pixel data to clean in an object whose pixels need cleaning");
        }
        String missing = ocr.unavailableReason();
        if (missing != null) {
            return new Held(missing);
        }
        AttributeList dataset = object.dataset();
        try {
            PixelLayout layout = PixelLayout.of(object);
            if (layout.frames() > maxFrames) {
                return new Held(layout.frames() + " frames: more than pixels.max-frames (" + maxFrames
                        + ") to read by OCR frame by frame");
            }
            List<String> ruleNames = new ArrayList<>();
            List<Rect> ruleRects = new ArrayList<>();
            for (MaskRule rule : rules.match(dataset).matching()) {
                ruleNames.add(rule.name());
                ruleRects.addAll(rule.rectanglesFor(layout.columns(), layout.rows()));
            }
            int blanked = 0;
            int other = 0;
            List<List<Rect>> masked = new ArrayList<>();
            try (PixelFrames frames = PixelFrames.open(object);
                 MaskedPixelWriter out = MaskedPixelWriter.create(object, frames.layout(), workFile)) {
                int[] black = frames.blackFill();
                for (int i = 0; i < frames.frameCount(); i++) {
                    Frame frame = frames.frame(i);
                    for (Rect r : ruleRects) {
                        frame.fill(r, black);
                    }
                    // other text: read with some confidence, not identifying; reported, and for unknown layouts, held
                    BurnedInText.Judged judged = BurnedInText.judge(ocr.read(frames.renderGray8(frame)), identifying);
                    List<Rect> detected = new ArrayList<>();
                    for (Rect r : judged.toMask()) {
                        Rect clipped = r.clippedTo(layout.columns(), layout.rows());
                        if (clipped != null) {
                            frame.fill(clipped, black);
                            detected.add(clipped);
                        }
                    }
                    blanked += detected.size();
                    List<Rect> unjudged = judged.otherText();
                    other += unjudged.size();
                    if (ruleRects.isEmpty() && !unjudged.isEmpty()) {
                        return new Held("no pixel-mask rule describes this layout (deid pixel-rules test) and OCR found "
                                + unjudged.size() + " words it cannot judge in frame " + (i + 1) + " at " + positions(unjudged));
                    }
                    List<Rect> remaining = verify(frames.renderGray8(frame), union(ruleRects, detected), identifying);
                    if (!remaining.isEmpty()) {
                        return new Held("burned-in text remains: " + remaining.size() + " identifying or date-like words "
                                + "still readable in frame " + (i + 1) + " at " + positions(remaining));
                    }
                    out.write(frame);
                    masked.add(union(ruleRects, detected));
                }
                DicomObject cleaned = out.finish();
                return new Cleaned(cleaned, "rules " + (ruleNames.isEmpty() ? "none" : ruleNames) + ", " + frames.frameCount()
                        + " frames, " + blanked + " regions blanked after OCR, " + other + " other words left, "
                        + out.outputDescription(), masked);
            }
        } catch (PixelDataException e) {
            return new Held(e.getMessage());
        } catch (TesseractOcr.OcrException e) {
            return new Held(e.getMessage());
        }
    }

    /**
     * The second reading: the whole frame, and each blanked region's surroundings on their own
     * (OCR reads a cut-off line better without the rest of the frame around it).
     */
    private List<Rect> verify(BufferedImage image, List<Rect> blanked, TextCleaner identifying)
            throws IOException, TesseractOcr.OcrException {
        Set<Rect> remaining = new LinkedHashSet<>(BurnedInText.remaining(ocr.read(image), identifying));
        int done = 0;
        for (Rect region : blanked) {
            if (done++ == MAX_SURROUNDINGS) {
                break;
            }
            int margin = Math.max(16, region.height());
            Rect around = new Rect(region.x() - margin, region.y() - margin, region.width() + 2 * margin,
                    region.height() + 2 * margin).clippedTo(image.getWidth(), image.getHeight());
            if (around == null) {
                continue;
            }
            BufferedImage crop = image.getSubimage(around.x(), around.y(), around.width(), around.height());
            for (Rect r : BurnedInText.remaining(ocr.read(crop), identifying)) {
                remaining.add(new Rect(r.x() + around.x(), r.y() + around.y(), r.width(), r.height()));
            }
        }
        return new ArrayList<>(remaining);
    }

    private static List<Rect> union(List<Rect> a, List<Rect> b) {
        List<Rect> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    private static String positions(List<Rect> boxes) {
        List<String> shown = boxes.stream().limit(MAX_POSITIONS).map(Rect::toString).toList();
        return "[" + String.join("; ", shown) + (boxes.size() > MAX_POSITIONS ? "; ..." : "") + "] (x,y,width x height)";
    }

    /**
     * Marks a de-identified object whose pixels were cleaned and checked: Burned In Annotation NO,
     * and Clean Pixel Data (113101) in the De-identification Method Code Sequence after the Basic
     * Profile's code, so the codes stay in code order.
     */
    public static void recordCleaned(AttributeList dataset) throws DicomException {
        CodeStringAttribute burnedIn = new CodeStringAttribute(TagFromName.BurnedInAnnotation);
        burnedIn.addValue("NO");
        dataset.put(burnedIn);
        SequenceAttribute old = (SequenceAttribute) dataset.get(TagFromName.DeidentificationMethodCodeSequence);
        SequenceAttribute codes = new SequenceAttribute(TagFromName.DeidentificationMethodCodeSequence);
        boolean added = false;
        for (int i = 0; old != null && i < old.getNumberOfItems(); i++) {
            AttributeList item = old.getItem(i).getAttributeList();
            String value = Attribute.getSingleStringValueOrEmptyString(item, TagFromName.CodeValue);
            if (value.equals(CLEAN_PIXEL_DATA_CODE)) {
                return;
            }
            if (!added && value.compareTo(CLEAN_PIXEL_DATA_CODE) > 0) {
                codes.addItem(cleanPixelDataCode());
                added = true;
            }
            codes.addItem(item);
        }
        if (!added) {
            codes.addItem(cleanPixelDataCode());
        }
        dataset.put(codes);
    }

    private static final String CLEAN_PIXEL_DATA_CODE = org.deidgateway.profile.ProfileOption.CLEAN_PIXEL_DATA.code();

    private static AttributeList cleanPixelDataCode() throws DicomException {
        return org.deidgateway.deid.DeidentificationMarker.code(CLEAN_PIXEL_DATA_CODE,
                org.deidgateway.profile.ProfileOption.CLEAN_PIXEL_DATA.codeMeaning());
    }
}
