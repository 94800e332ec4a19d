package org.deidgateway.pixel;

import com.pixelmed.codec.jpeg.OutputArrayOrStream;
import com.pixelmed.codec.jpeg.Parse;

import java.io.ByteArrayInputStream;

/**
 * One JPEG Lossless frame (ISO 10918-1 process 14, the DICOM syntaxes .57 and .70) decoded by
 * PixelMed's codec. The frame header is read and checked against the image first: the codec
 * allocates what the header claims, so a forged size must be refused before it is asked, and a
 * frame that is not lossless or does not match Rows, Columns, Samples per Pixel and Bits Allocated
 * is never half-decoded.
 */
final class JpegLosslessFrame {

    private static final int SOF3 = 0xC3;

    private JpegLosslessFrame() {
    }

    static Frame decode(byte[] data, PixelLayout layout) throws PixelDataException {
        checkHeader(data, layout);
        Parse.DecompressedOutput output = new Parse.DecompressedOutput();
        try {
            Parse.parse(new ByteArrayInputStream(data), null, null, output);
        } catch (Exception | StackOverflowError e) {
            throw new PixelDataException("a JPEG Lossless frame cannot be decoded (" + e.getClass().getSimpleName() + ")");
        }
        OutputArrayOrStream[] components = output.getDecompressedOutputPerComponent();
        int samples = layout.samplesPerPixel();
        int pixels = layout.rows() * layout.columns();
        if (components == null || components.length != samples) {
            throw new PixelDataException("a JPEG Lossless frame decoded to " + (components == null ? 0 : components.length)
                    + " components for " + samples + " samples per pixel");
        }
        int[] words = new int[pixels * samples];
        for (int c = 0; c < samples; c++) {
            byte[] bytes = components[c].getByteArray();
            short[] shorts = components[c].getShortArray();
            int length = bytes != null ? bytes.length : shorts != null ? shorts.length : 0;
            if (length < pixels) {
                throw new PixelDataException("a JPEG Lossless frame decoded to fewer samples than the image has");
            }
            for (int i = 0; i < pixels; i++) {
                words[i * samples + c] = bytes != null ? bytes[i] & 0xFF : shorts[i] & 0xFFFF;
            }
        }
        return new Frame(layout.rows(), layout.columns(), samples, words);
    }

    /**
     * Walks the marker segments to the first scan (PS3.5 A.4.1: one whole JPEG stream per frame).
     * The codec turns a frame without a scan or cut short into zeros without a word, so the frame
     * header, a scan and the end-of-image marker must all be there.
     */
    static void checkHeader(byte[] data, PixelLayout layout) throws PixelDataException {
        if (data.length < 4 || (data[0] & 0xFF) != 0xFF || (data[1] & 0xFF) != 0xD8) {
            throw new PixelDataException("a JPEG Lossless frame does not start with a JPEG start-of-image marker");
        }
        int end = data.length;
        if (end > 0 && data[end - 1] == 0) {
            end--;   // the fragment's padding to an even length
        }
        if (end < 4 || (data[end - 2] & 0xFF) != 0xFF || (data[end - 1] & 0xFF) != 0xD9) {
            throw new PixelDataException("a JPEG Lossless frame does not end with an end-of-image marker (cut short?)");
        }
        boolean frameHeaderSeen = false;
        int at = 2;
        while (at + 4 <= end) {
            if ((data[at] & 0xFF) != 0xFF) {
                throw new PixelDataException("a JPEG Lossless frame has bytes between its marker segments");
            }
            int marker = data[at + 1] & 0xFF;
            if (marker == 0xFF) {
                at++;
                continue;
            }
            int length = ((data[at + 2] & 0xFF) << 8) | (data[at + 3] & 0xFF);
            if (length < 2 || at + 2 + length > end) {
                throw new PixelDataException("a JPEG Lossless frame has a marker segment longer than the frame");
            }
            if (marker == 0xDA) {
                if (!frameHeaderSeen) {
                    break;
                }
                return;
            }
            if (marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC) {
                if (marker != SOF3) {
                    throw new PixelDataException(String.format(
                            "a frame in a JPEG Lossless transfer syntax is not lossless (frame header FF%02X)", marker));
                }
                checkFrameHeader(data, at + 4, length - 2, layout);
                frameHeaderSeen = true;
            }
            at += 2 + length;
        }
        throw new PixelDataException(frameHeaderSeen ? "a JPEG Lossless frame has no scan"
                : "a JPEG Lossless frame has no frame header");
    }

    private static void checkFrameHeader(byte[] data, int at, int length, PixelLayout layout) throws PixelDataException {
        if (length < 6) {
            throw new PixelDataException("a JPEG Lossless frame header is too short");
        }
        int precision = data[at] & 0xFF;
        int lines = ((data[at + 1] & 0xFF) << 8) | (data[at + 2] & 0xFF);
        int samplesPerLine = ((data[at + 3] & 0xFF) << 8) | (data[at + 4] & 0xFF);
        int components = data[at + 5] & 0xFF;
        if (lines != layout.rows() || samplesPerLine != layout.columns()) {
            throw new PixelDataException("a JPEG Lossless frame of " + samplesPerLine + "x" + lines + " in an image of "
                    + layout.columns() + "x" + layout.rows());
        }
        if (components != layout.samplesPerPixel()) {
            throw new PixelDataException("a JPEG Lossless frame with " + components + " components for "
                    + layout.samplesPerPixel() + " samples per pixel");
        }
        if (precision < 2 || precision > 16 || precision > layout.bitsAllocated()) {
            throw new PixelDataException("a JPEG Lossless frame of " + precision + " bits in an image of Bits Allocated "
                    + layout.bitsAllocated());
        }
        if (length < 6 + 3 * components) {
            throw new PixelDataException("a JPEG Lossless frame header is too short for its components");
        }
        for (int c = 0; c < components; c++) {
            if ((data[at + 6 + 3 * c + 1] & 0xFF) != 0x11) {
                throw new PixelDataException("a JPEG Lossless frame with subsampled components");
            }
        }
    }
}
