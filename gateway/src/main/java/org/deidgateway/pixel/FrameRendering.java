package org.deidgateway.pixel;

import com.pixelmed.dicom.Attribute;
import com.pixelmed.dicom.AttributeList;
import com.pixelmed.dicom.DicomException;
import com.pixelmed.dicom.TagFromName;

import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;

/**
 * How a frame looks: the stored values through the modality rescale and the first window the
 * header gives (else the frame's own range), MONOCHROME1 inverted, colour as luminance, palette
 * entries through their lookup tables. And which raw words show black.
 */
final class FrameRendering {

    private final PixelLayout layout;
    private final double slope;
    private final double intercept;
    private final double[] center;
    private final double[] width;
    private final int[][] palette;
    private final int paletteFirst;
    private final int paletteBits;

    FrameRendering(AttributeList d, PixelLayout layout) throws PixelDataException {
        this.layout = layout;
        double[] s = PixelFrames.doubles(d, TagFromName.RescaleSlope);
        double[] i = PixelFrames.doubles(d, TagFromName.RescaleIntercept);
        this.slope = s.length > 0 && s[0] != 0 ? s[0] : 1;
        this.intercept = i.length > 0 ? i[0] : 0;
        this.center = PixelFrames.doubles(d, TagFromName.WindowCenter);
        this.width = PixelFrames.doubles(d, TagFromName.WindowWidth);
        if (layout.photometric().equals("PALETTE COLOR")) {
            palette = new int[3][];
            int first = 0;
            int bits = 16;
            for (int c = 0; c < 3; c++) {
                int[] descriptor = ints(d, PixelFrames.PALETTE_DESCRIPTORS[c]);
                Attribute data = d.get(PixelFrames.PALETTE_DATA[c]);
                if (descriptor.length != 3 || data == null) {
                    throw new PixelDataException("PALETTE COLOR without its lookup tables (segmented palettes are not supported)");
                }
                int entries = descriptor[0] == 0 ? 65536 : descriptor[0] & 0xFFFF;
                first = descriptor[1];
                bits = descriptor[2];
                int[] values = lutValues(data, entries, bits);
                palette[c] = values;
            }
            paletteFirst = first;
            paletteBits = bits;
        } else {
            palette = null;
            paletteFirst = 0;
            paletteBits = 0;
        }
    }

    private static int[] ints(AttributeList d, com.pixelmed.dicom.AttributeTag tag) {
        Attribute a = d.get(tag);
        try {
            return a == null ? new int[0] : a.getIntegerValues();
        } catch (DicomException e) {
            return new int[0];
        }
    }

    private static int[] lutValues(Attribute data, int entries, int bits) throws PixelDataException {
        try {
            int[] out = new int[entries];
            if (bits == 8 && data.getVL() == entries) {
                byte[] b = data.getByteValues();
                for (int k = 0; k < entries; k++) {
                    out[k] = b[k] & 0xFF;
                }
                return out;
            }
            short[] w = data.getShortValues();
            if (w == null || w.length < entries) {
                throw new PixelDataException("a palette lookup table shorter than its descriptor says");
            }
            for (int k = 0; k < entries; k++) {
                out[k] = w[k] & 0xFFFF;
            }
            return out;
        } catch (DicomException e) {
            throw new PixelDataException("a palette lookup table that cannot be read");
        }
    }

    int[] blackFill() {
        int mid = 1 << (layout.bitsStored() - 1);
        return switch (layout.photometric()) {
            case "MONOCHROME1" -> new int[] {layout.raw(layout.maxValue())};
            case "PALETTE COLOR" -> new int[] {layout.raw(darkestPaletteIndex())};
            case "RGB" -> new int[] {0, 0, 0};
            case "YBR_FULL" -> new int[] {layout.raw(0), layout.raw(mid), layout.raw(mid)};
            case "YBR_FULL_422" -> new int[] {0, 0, 0};   // decoded from JPEG to RGB before it is masked
            default -> new int[] {layout.raw(layout.minValue())};
        };
    }

    private int darkestPaletteIndex() {
        int best = 0;
        long bestSum = Long.MAX_VALUE;
        for (int k = 0; k < palette[0].length; k++) {
            long sum = (long) palette[0][k] + palette[1][k] + palette[2][k];
            if (sum < bestSum) {
                bestSum = sum;
                best = k;
            }
        }
        return best + paletteFirst;
    }

    BufferedImage render(Frame frame, boolean decodedColour) {
        int w = frame.columns();
        int h = frame.rows();
        BufferedImage image = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
        byte[] out = ((DataBufferByte) image.getRaster().getDataBuffer()).getData();
        int[] words = frame.words();
        int n = w * h;
        if (frame.samples() == 3) {
            boolean ybr = !decodedColour && layout.photometric().equals("YBR_FULL");
            double scale = decodedColour ? 1 : 255.0 / ((1L << layout.bitsStored()) - 1);
            for (int i = 0; i < n; i++) {
                double y;
                if (ybr) {
                    y = value(words[i * 3], decodedColour);
                } else {
                    y = 0.299 * value(words[i * 3], decodedColour) + 0.587 * value(words[i * 3 + 1], decodedColour)
                            + 0.114 * value(words[i * 3 + 2], decodedColour);
                }
                out[i] = (byte) clamp(y * scale);
            }
            return image;
        }
        if (palette != null) {
            double scale = 255.0 / ((1L << paletteBits) - 1);
            for (int i = 0; i < n; i++) {
                int k = Math.min(Math.max(layout.value(words[i]) - paletteFirst, 0), palette[0].length - 1);
                out[i] = (byte) clamp((0.299 * palette[0][k] + 0.587 * palette[1][k] + 0.114 * palette[2][k]) * scale);
            }
            return image;
        }
        double low;
        double high;
        if (center.length > 0 && width.length > 0 && width[0] > 1) {
            low = center[0] - width[0] / 2;
            high = center[0] + width[0] / 2;
        } else {
            low = Double.MAX_VALUE;
            high = -Double.MAX_VALUE;
            for (int i = 0; i < n; i++) {
                double v = modality(words[i], decodedColour);
                low = Math.min(low, v);
                high = Math.max(high, v);
            }
            if (high <= low) {
                high = low + 1;
            }
        }
        boolean invert = layout.photometric().equals("MONOCHROME1");
        for (int i = 0; i < n; i++) {
            double g = (modality(words[i], decodedColour) - low) * 255.0 / (high - low);
            out[i] = (byte) clamp(invert ? 255 - g : g);
        }
        return image;
    }

    private double value(int word, boolean decoded) {
        return decoded ? word : layout.value(word);
    }

    private double modality(int word, boolean decoded) {
        return decoded ? word : layout.value(word) * slope + intercept;
    }

    private static int clamp(double v) {
        return (int) Math.max(0, Math.min(255, Math.round(v)));
    }
}
