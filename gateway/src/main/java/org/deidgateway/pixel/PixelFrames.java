package org.deidgateway.pixel;

import com.pixelmed.dicom.Attribute;
import com.pixelmed.dicom.AttributeList;
import com.pixelmed.dicom.DicomException;
import com.pixelmed.dicom.TagFromName;
import org.deidgateway.dicom.DicomObject;
import org.deidgateway.dicom.PixelDataOnDisk;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;

/**
 * The frames of an object's pixel data, read from its file one at a time (memory: one frame):
 * native data of 1, 8, 16 or 32 bits in either byte order and planar configuration, RLE Lossless,
 * JPEG Baseline through the JDK's decoder and JPEG Lossless through PixelMed's codec. {@link #renderGray8} shows a frame as a screen
 * would, for OCR; {@link #blackFill} gives the raw words that show black.
 */
public final class PixelFrames implements Closeable {

    private final DicomObject object;
    private final PixelLayout layout;
    private final FileChannel channel;
    private final Fragments fragments;
    private final FrameRendering rendering;

    private PixelFrames(DicomObject object, PixelLayout layout, FileChannel channel, Fragments fragments) throws PixelDataException {
        this.object = object;
        this.layout = layout;
        this.channel = channel;
        this.fragments = fragments;
        this.rendering = new FrameRendering(object.dataset(), layout);
    }

    public static PixelFrames open(DicomObject object) throws PixelDataException, IOException {
        PixelLayout layout = PixelLayout.of(object);
        PixelDataOnDisk pixels = object.pixels();
        if (layout.encoding() == PixelLayout.Encoding.NATIVE) {
            if (pixels.encapsulated()) {
                throw new PixelDataException("encapsulated pixel data in a native transfer syntax");
            }
            long needed = layout.bitsAllocated() == 1 ? (layout.frameBits() * layout.frames() + 7) / 8
                    : layout.frameBytes() * layout.frames();
            if (pixels.valueLength() < needed) {
                throw new PixelDataException("pixel data shorter than the image needs (" + pixels.valueLength() + " of "
                        + needed + " bytes)");
            }
            return new PixelFrames(object, layout, FileChannel.open(pixels.file(), StandardOpenOption.READ), null);
        }
        if (!pixels.encapsulated()) {
            throw new PixelDataException("native pixel data in a compressed transfer syntax");
        }
        Fragments fragments = Fragments.read(pixels, layout.frames(), layout.encoding() != PixelLayout.Encoding.RLE);
        if (fragments.frameCount() != layout.frames()) {
            throw new PixelDataException(fragments.frameCount() + " compressed frames where the image has " + layout.frames());
        }
        return new PixelFrames(object, layout, null, fragments);
    }

    public PixelLayout layout() {
        return layout;
    }

    public int frameCount() {
        return layout.frames();
    }

    public Frame frame(int index) throws PixelDataException, IOException {
        if (index < 0 || index >= layout.frames()) {
            throw new IndexOutOfBoundsException("frame " + index);
        }
        return switch (layout.encoding()) {
            case NATIVE -> nativeFrame(index);
            case RLE -> new Frame(layout.rows(), layout.columns(), layout.samplesPerPixel(),
                    RleCodec.decode(fragments.frame(index), layout));
            case JPEG_BASELINE -> jpegFrame(fragments.frame(index));
            case JPEG_LOSSLESS -> JpegLosslessFrame.decode(fragments.frame(index), layout);
        };
    }

    private Frame nativeFrame(int index) throws IOException {
        int samples = layout.samplesPerPixel();
        int count = layout.rows() * layout.columns() * samples;
        int[] words = new int[count];
        PixelDataOnDisk pixels = object.pixels();
        if (layout.bitsAllocated() == 1) {
            long firstBit = layout.frameBits() * index;
            long firstByte = firstBit / 8;
            ByteBuffer b = ByteBuffer.allocate((int) ((firstBit % 8 + count + 7) / 8));
            Fragments.readFully(channel, b, pixels.valueOffset() + firstByte);
            byte[] bytes = b.array();
            for (int i = 0; i < count; i++) {
                long bit = firstBit % 8 + i;
                words[i] = (bytes[(int) (bit / 8)] >> (bit % 8)) & 1;
            }
            return new Frame(layout.rows(), layout.columns(), samples, words);
        }
        int size = layout.bitsAllocated() / 8;
        ByteBuffer b = ByteBuffer.allocate((int) layout.frameBytes())
                .order(layout.bigEndian() ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
        Fragments.readFully(channel, b, pixels.valueOffset() + layout.frameBytes() * index);
        b.flip();
        int pixelsPerFrame = layout.rows() * layout.columns();
        for (int i = 0; i < count; i++) {
            int word = size == 1 ? b.get() & 0xFF : size == 2 ? b.getShort() & 0xFFFF : b.getInt();
            // planar configuration 1 holds all of sample 0, then sample 1...: stored pixel-interleaved here
            int at = layout.planarConfiguration() == 1 ? (i % pixelsPerFrame) * samples + i / pixelsPerFrame : i;
            words[at] = word;
        }
        return new Frame(layout.rows(), layout.columns(), samples, words);
    }

    /**
     * A JPEG Baseline frame decoded without the JDK's own colour guess (it takes three components
     * without a JFIF or Adobe marker for YCbCr): the header's photometric interpretation decides,
     * RGB as it is, YBR_FULL and YBR_FULL_422 converted to RGB (JFIF equations, PS3.3 C.7.6.3.1.2).
     */
    private Frame jpegFrame(byte[] data) throws IOException, PixelDataException {
        Raster raster;
        javax.imageio.ImageReader reader = ImageIO.getImageReadersByFormatName("jpeg").next();
        try (javax.imageio.stream.ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(data))) {
            reader.setInput(in);
            raster = reader.readRaster(0, null);
        } catch (IOException | RuntimeException e) {
            throw new PixelDataException("a JPEG frame cannot be decoded (" + e.getClass().getSimpleName() + ")");
        } finally {
            reader.dispose();
        }
        if (raster.getWidth() != layout.columns() || raster.getHeight() != layout.rows()) {
            throw new PixelDataException("a JPEG frame does not decode to the image's " + layout.columns() + "x" + layout.rows());
        }
        int bands = raster.getNumBands();
        if (bands != layout.samplesPerPixel()) {
            throw new PixelDataException("a JPEG frame with " + bands + " components for " + layout.samplesPerPixel()
                    + " samples per pixel");
        }
        int[] words = raster.getPixels(raster.getMinX(), raster.getMinY(), layout.columns(), layout.rows(), (int[]) null);
        if (bands == 3 && layout.photometric().startsWith("YBR")) {
            for (int i = 0; i < words.length; i += 3) {
                double y = words[i];
                double cb = words[i + 1] - 128.0;
                double cr = words[i + 2] - 128.0;
                words[i] = clamp8(y + 1.402 * cr);
                words[i + 1] = clamp8(y - 0.344136 * cb - 0.714136 * cr);
                words[i + 2] = clamp8(y + 1.772 * cb);
            }
        }
        return new Frame(layout.rows(), layout.columns(), bands, words);
    }

    private static int clamp8(double v) {
        return (int) Math.max(0, Math.min(255, Math.round(v)));
    }

    /** The raw words that show black, one per sample. */
    public int[] blackFill() {
        return rendering.blackFill();
    }

    /** The frame as 8-bit grayscale, as it would look on screen (for OCR and the quarantine preview). */
    public BufferedImage renderGray8(Frame frame) {
        return rendering.render(frame, layout.encoding() == PixelLayout.Encoding.JPEG_BASELINE);
    }

    @Override
    public void close() throws IOException {
        if (channel != null) {
            channel.close();
        }
    }

    static double[] doubles(AttributeList d, com.pixelmed.dicom.AttributeTag tag) {
        Attribute a = d.get(tag);
        if (a == null) {
            return new double[0];
        }
        try {
            double[] v = a.getDoubleValues();
            return v == null ? new double[0] : v;
        } catch (DicomException e) {
            return new double[0];
        }
    }

    static final com.pixelmed.dicom.AttributeTag[] PALETTE_DESCRIPTORS = {
            TagFromName.RedPaletteColorLookupTableDescriptor, TagFromName.GreenPaletteColorLookupTableDescriptor,
            TagFromName.BluePaletteColorLookupTableDescriptor};
    static final com.pixelmed.dicom.AttributeTag[] PALETTE_DATA = {
            TagFromName.RedPaletteColorLookupTableData, TagFromName.GreenPaletteColorLookupTableData,
            TagFromName.BluePaletteColorLookupTableData};
}
