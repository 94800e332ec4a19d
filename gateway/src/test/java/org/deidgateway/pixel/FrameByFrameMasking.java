package org.deidgateway.pixel;

import org.deidgateway.dicom.DicomFiles;
import org.deidgateway.dicom.DicomObject;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Path;

/**
 * Run in a JVM of its own with a heap smaller than the object (PixelMemoryTest): masks a corner of
 * every frame, writes the object, then reads both again frame by frame and compares them. It fails
 * with OutOfMemoryError if any step held the pixel data whole.
 *
 * usage: FrameByFrameMasking IN OUT WORKFILE
 */
public final class FrameByFrameMasking {

    static final Rect CORNER = new Rect(0, 0, 64, 32);

    public static void main(String[] args) throws Exception {
        Path in = Path.of(args[0]);
        Path out = Path.of(args[1]);
        DicomObject original = DicomFiles.open(in);
        int[] black;
        try (PixelFrames frames = PixelFrames.open(original);
             MaskedPixelWriter writer = MaskedPixelWriter.create(original, frames.layout(), Path.of(args[2]))) {
            black = frames.blackFill();
            for (int i = 0; i < frames.frameCount(); i++) {
                Frame frame = frames.frame(i);
                frame.fill(CORNER, black);
                writer.write(frame);
            }
            DicomFiles.writeUnsynced(writer.finish(), out);
        }
        int compared = 0;
        try (PixelFrames before = PixelFrames.open(DicomFiles.open(in));
             PixelFrames after = PixelFrames.open(DicomFiles.open(out))) {
            if (after.frameCount() != before.frameCount()) {
                throw new AssertionError(after.frameCount() + " frames written of " + before.frameCount());
            }
            for (int i = 0; i < before.frameCount(); i++) {
                compare(i, before.frame(i), after.frame(i), black);
                compared++;
            }
        }
        long peak = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                peak += pool.getPeakUsage().getUsed();
            }
        }
        System.out.printf("%d frames masked and compared, peak heap %d MiB of %d MiB%n", compared, peak >> 20,
                Runtime.getRuntime().maxMemory() >> 20);
    }

    private static void compare(int index, Frame before, Frame after, int[] black) {
        for (int y = 0; y < before.rows(); y++) {
            for (int x = 0; x < before.columns(); x++) {
                boolean masked = x < CORNER.width() && y < CORNER.height();
                for (int s = 0; s < before.samples(); s++) {
                    int expected = masked ? black[s] : before.sample(x, y, s);
                    if (after.sample(x, y, s) != expected) {
                        throw new AssertionError("frame " + (index + 1) + " differs at " + x + "," + y + " sample " + s
                                + (masked ? " inside" : " outside") + " the mask");
                    }
                }
            }
        }
    }
}
