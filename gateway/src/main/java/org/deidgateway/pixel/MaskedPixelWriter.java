package org.deidgateway.pixel;

import com.pixelmed.dicom.Attribute;
import com.pixelmed.dicom.AttributeList;
import com.pixelmed.dicom.CodeStringAttribute;
import com.pixelmed.dicom.DicomException;
import com.pixelmed.dicom.TagFromName;
import com.pixelmed.dicom.UnsignedShortAttribute;
import org.deidgateway.dicom.DicomObject;
import org.deidgateway.dicom.PixelDataOnDisk;

import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes masked frames to a work file and makes the object to forward. Native data keep their
 * transfer syntax and layout, so every pixel outside the masks keeps its bytes (and bytes after the
 * last frame, such as padding, are copied). RLE is encoded again as RLE (lossless both ways). JPEG
 * Baseline is decoded for masking and written as Explicit VR Little Endian: encoding it again would
 * lose more, and the object says it was lossy compressed once (Lossy Image Compression 01, PS3.3
 * C.7.6.1.1.5). JPEG Lossless is decoded and written as Explicit VR Little Endian too: nothing is
 * lost either way, so Lossy Image Compression stays as it was. The dataset given is changed in
 * place where the pixel module changes.
 */
public final class MaskedPixelWriter implements Closeable {

    private final DicomObject original;
    private final PixelLayout layout;
    private final Path workFile;
    private final OutputStream out;
    private final List<Long> frameOffsets = new ArrayList<>();
    private long written;
    private int frames;
    /** For Bits Allocated 1: the bit-packed frames are assembled here (small by nature). */
    private final java.io.ByteArrayOutputStream bits;
    private int pendingBits;
    private int pendingCount;

    private MaskedPixelWriter(DicomObject original, PixelLayout layout, Path workFile) throws IOException {
        this.original = original;
        this.layout = layout;
        this.workFile = workFile;
        this.out = new BufferedOutputStream(Files.newOutputStream(workFile, StandardOpenOption.CREATE,
                StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE), 256 * 1024);
        this.bits = layout.bitsAllocated() == 1 ? new java.io.ByteArrayOutputStream() : null;
    }

    public static MaskedPixelWriter create(DicomObject original, PixelLayout layout, Path workFile) throws IOException {
        return new MaskedPixelWriter(original, layout, workFile);
    }

    public void write(Frame frame) throws IOException {
        int[] words = frame.words();
        switch (layout.encoding()) {
            case NATIVE, JPEG_LOSSLESS -> writeNative(words);
            case RLE -> {
                byte[] encoded = RleCodec.encode(words, layout);
                frameOffsets.add(written);
                item(encoded);
            }
            case JPEG_BASELINE -> {
                byte[] b = new byte[words.length];
                for (int i = 0; i < words.length; i++) {
                    b[i] = (byte) words[i];
                }
                out.write(b);
                written += b.length;
            }
        }
        frames++;
    }

    private void item(byte[] value) throws IOException {
        int length = value.length + (value.length % 2);
        ByteBuffer h = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        h.putShort((short) 0xFFFE).putShort((short) 0xE000).putInt(length);
        out.write(h.array());
        out.write(value);
        if (value.length % 2 != 0) {
            out.write(0);
        }
        written += 8 + length;
    }

    private void writeNative(int[] words) throws IOException {
        if (bits != null) {
            for (int w : words) {
                pendingBits |= (w & 1) << pendingCount;
                if (++pendingCount == 8) {
                    bits.write(pendingBits);
                    pendingBits = 0;
                    pendingCount = 0;
                }
            }
            return;
        }
        int size = layout.bitsAllocated() / 8;
        int samples = layout.samplesPerPixel();
        int pixels = words.length / samples;
        // decoded JPEG Lossless is written pixel by pixel (Planar Configuration 0) whatever its header said
        int planar = layout.encoding() == PixelLayout.Encoding.NATIVE ? layout.planarConfiguration() : 0;
        ByteBuffer b = ByteBuffer.allocate(words.length * size)
                .order(layout.bigEndian() ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < words.length; i++) {
            int at = planar == 1 ? (i % pixels) * samples + i / pixels : i;
            int w = words[at];
            switch (size) {
                case 1 -> b.put((byte) w);
                case 2 -> b.putShort((short) w);
                default -> b.putInt(w);
            }
        }
        out.write(b.array());
        written += b.capacity();
    }

    /** The object to forward, its pixel data in the work file. */
    public DicomObject finish() throws IOException, PixelDataException {
        if (frames != layout.frames()) {
            throw new IllegalStateException(frames + " frames written of " + layout.frames());
        }
        PixelDataOnDisk source = original.pixels();
        AttributeList dataset = original.dataset();
        switch (layout.encoding()) {
            case NATIVE -> {
                if (bits != null) {
                    if (pendingCount > 0) {
                        bits.write(pendingBits | trailingBits(source));
                    }
                    out.write(bits.toByteArray());
                    written += bits.size();
                }
                copyTail(source);
                out.close();
                return new DicomObject(dataset, original.transferSyntaxUid(),
                        new PixelDataOnDisk(workFile, 0, written, source.vr(), false), original.droppedTags());
            }
            case RLE -> {
                out.write(new byte[] {(byte) 0xFE, (byte) 0xFF, (byte) 0xDD, (byte) 0xE0, 0, 0, 0, 0});
                out.close();
                return new DicomObject(dataset, original.transferSyntaxUid(), withOffsetTable(), original.droppedTags());
            }
            case JPEG_BASELINE -> {
                if (written % 2 != 0) {
                    out.write(0);
                    written++;
                }
                out.close();
                try {
                    decodedHeader(dataset);
                } catch (DicomException e) {
                    throw new PixelDataException("the pixel module cannot be updated (" + e.getMessage() + ")");
                }
                return new DicomObject(dataset, PixelLayout.EXPLICIT_LE,
                        new PixelDataOnDisk(workFile, 0, written, "OB", false), original.droppedTags());
            }
            case JPEG_LOSSLESS -> {
                if (written % 2 != 0) {
                    out.write(0);
                    written++;
                }
                out.close();
                try {
                    if (layout.samplesPerPixel() == 3) {
                        us(dataset, TagFromName.PlanarConfiguration, 0);
                    }
                } catch (DicomException e) {
                    throw new PixelDataException("the pixel module cannot be updated (" + e.getMessage() + ")");
                }
                return new DicomObject(dataset, PixelLayout.EXPLICIT_LE, new PixelDataOnDisk(workFile, 0, written,
                        layout.bitsAllocated() > 8 ? "OW" : "OB", false), original.droppedTags());
            }
            default -> throw new IllegalStateException("no writer for " + layout.encoding());
        }
    }

    /** The bits after the last 1-bit frame's last pixel in its final byte, as they were. */
    private int trailingBits(PixelDataOnDisk source) throws IOException {
        long totalBits = layout.frameBits() * layout.frames();
        long lastByte = totalBits / 8;
        ByteBuffer b = ByteBuffer.allocate(1);
        try (FileChannel ch = FileChannel.open(source.file(), StandardOpenOption.READ)) {
            Fragments.readFully(ch, b, source.valueOffset() + lastByte);
        }
        return (b.get(0) & 0xFF) & ~((1 << pendingCount) - 1);
    }

    /** Bytes after the last native frame (the padding to an even length, or more) copied as they were. */
    private void copyTail(PixelDataOnDisk source) throws IOException {
        long used = layout.bitsAllocated() == 1 ? (layout.frameBits() * layout.frames() + 7) / 8
                : layout.frameBytes() * layout.frames();
        long tail = source.valueLength() - used;
        if (tail <= 0) {
            return;
        }
        if (tail > 64L * 1024 * 1024) {
            throw new IOException("more than 64 MiB after the last frame");
        }
        ByteBuffer b = ByteBuffer.allocate((int) tail);
        try (FileChannel ch = FileChannel.open(source.file(), StandardOpenOption.READ)) {
            Fragments.readFully(ch, b, source.valueOffset() + used);
        }
        out.write(b.array());
        written += tail;
    }

    /** The RLE items behind a Basic Offset Table with every frame's offset: the work file rewritten once. */
    private PixelDataOnDisk withOffsetTable() throws IOException {
        Path table = workFile.resolveSibling(workFile.getFileName() + ".bot");
        ByteBuffer h = ByteBuffer.allocate(8 + 4 * frameOffsets.size()).order(ByteOrder.LITTLE_ENDIAN);
        h.putShort((short) 0xFFFE).putShort((short) 0xE000).putInt(4 * frameOffsets.size());
        for (long offset : frameOffsets) {
            h.putInt((int) offset);
        }
        try (FileChannel target = FileChannel.open(table, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE); FileChannel items = FileChannel.open(workFile, StandardOpenOption.READ)) {
            target.write(h.flip());
            long at = 0;
            long size = items.size();
            while (at < size) {
                at += items.transferTo(at, size - at, target);
            }
        }
        Files.move(table, workFile, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        return new PixelDataOnDisk(workFile, 0, Files.size(workFile), "OB", true);
    }

    /** Decoded JPEG Baseline: 8-bit samples, RGB pixel by pixel for colour, lossy compression recorded. */
    private void decodedHeader(AttributeList d) throws DicomException {
        if (layout.samplesPerPixel() == 3) {
            cs(d, TagFromName.PhotometricInterpretation, "RGB");
            us(d, TagFromName.PlanarConfiguration, 0);
        }
        us(d, TagFromName.BitsAllocated, 8);
        us(d, TagFromName.BitsStored, 8);
        us(d, TagFromName.HighBit, 7);
        us(d, TagFromName.PixelRepresentation, 0);
        cs(d, TagFromName.LossyImageCompression, "01");
        Attribute methods = d.get(TagFromName.LossyImageCompressionMethod);
        String[] present = methods == null ? new String[0] : methods.getStringValues();
        if (present == null || !java.util.Arrays.asList(present).contains("ISO_10918_1")) {
            CodeStringAttribute m = new CodeStringAttribute(TagFromName.LossyImageCompressionMethod);
            if (present != null) {
                for (String v : present) {
                    m.addValue(v);
                }
            }
            m.addValue("ISO_10918_1");
            d.put(m);
        }
    }

    private static void cs(AttributeList d, com.pixelmed.dicom.AttributeTag tag, String value) throws DicomException {
        CodeStringAttribute a = new CodeStringAttribute(tag);
        a.addValue(value);
        d.put(a);
    }

    private static void us(AttributeList d, com.pixelmed.dicom.AttributeTag tag, int value) throws DicomException {
        UnsignedShortAttribute a = new UnsignedShortAttribute(tag);
        a.addValue(value);
        d.put(a);
    }

    public String outputDescription() {
        return switch (layout.encoding()) {
            case NATIVE -> "native pixel data written in place";
            case RLE -> "RLE Lossless encoded again";
            case JPEG_BASELINE -> "JPEG Baseline decoded, written as Explicit VR Little Endian (Lossy Image Compression 01)";
            case JPEG_LOSSLESS -> "JPEG Lossless decoded, written as Explicit VR Little Endian";
        };
    }

    @Override
    public void close() throws IOException {
        out.close();
    }
}
