package org.deidgateway.dicom;

import com.pixelmed.dicom.Attribute;
import com.pixelmed.dicom.AttributeList;
import com.pixelmed.dicom.AttributeTag;
import com.pixelmed.dicom.DicomException;
import com.pixelmed.dicom.DicomInputStream;
import com.pixelmed.dicom.DicomOutputStream;
import com.pixelmed.dicom.OtherByteAttributeMultipleCompressedFrames;
import com.pixelmed.dicom.SOPClass;
import com.pixelmed.dicom.TagFromName;
import com.pixelmed.dicom.TransferSyntax;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;

/** Reads and writes DICOM Part 10 files with PixelMed. */
public final class DicomFiles {

    /** Written into the file meta information of every output (Source Application Entity Title). */
    public static final String SOURCE_AE = "DEIDGW";

    private DicomFiles() {
    }

    /**
     * Reads a whole file, compressed pixel data left compressed. Rejects what PixelMed would
     * otherwise accept silently: a file it stopped reading early, an image without its pixel data,
     * native pixel data shorter than the image it describes, or fewer compressed frames than declared.
     */
    public static DicomObject read(Path file) throws DicomFileException, IOException {
        return read(file, sizeOf(file));
    }

    private static DicomObject read(Path file, long size) throws DicomFileException, IOException {
        ElementFraming.Summary framing = ElementFraming.check(file, size);
        List<long[]> dropped = framing == null ? List.of() : framing.dropped;
        AttributeList list = new AttributeList();
        list.setDecompressPixelData(false);
        long consumed;
        String transferSyntax;
        boolean part10 = false;
        InputStream fileBytes = openBounded(file, size);
        if (!dropped.isEmpty()) {
            RangeSkippingInputStream skipping = new RangeSkippingInputStream(fileBytes, dropped);
            size -= skipping.skippedInAll();
            fileBytes = skipping;
        }
        try (InputStream raw = new BufferedInputStream(fileBytes, 64 * 1024)) {
            part10 = hasPart10Prefix(raw);
            DicomInputStream in = new DicomInputStream(raw);
            consumed = list.read(in);
            transferSyntax = in.getTransferSyntaxToReadDataSet() == null ? null
                    : in.getTransferSyntaxToReadDataSet().getUID();
        } catch (DicomException | IOException | RuntimeException e) {
            throw new DicomFileException(part10 ? "damaged: PixelMed could not parse it (" + e.getClass().getSimpleName() + ")"
                    : "not DICOM: no DICM prefix and no readable dataset");
        }
        String metaTs = Attribute.getSingleStringValueOrEmptyString(list, TagFromName.TransferSyntaxUID).trim();
        if (!metaTs.isEmpty()) {
            transferSyntax = metaTs;
        }
        if (transferSyntax == null || transferSyntax.isEmpty()) {
            throw new DicomFileException("not DICOM: no transfer syntax could be established");
        }
        if (!TransferSyntax.DeflatedExplicitVRLittleEndian.equals(transferSyntax) && consumed != size) {
            throw new DicomFileException(part10 ? "truncated or damaged: parsing stopped at byte " + consumed + " of " + size
                    : "not DICOM: no DICM prefix, and no dataset could be read to the end of the file");
        }
        checkPixelData(list);
        return finish(list, transferSyntax, null, framing == null ? List.of() : framing.droppedTags);
    }

    /**
     * Like {@link #read}, but the Pixel Data stay in the file ({@link DicomObject#pixels()}), found
     * and checked for completeness without being loaded: the header alone is in memory, whatever the
     * size of the object. {@link #writeAtomically} copies the pixel bytes from the file, which must
     * therefore stay until then. Files it cannot step through this way are read whole.
     */
    public static DicomObject open(Path file) throws DicomFileException, IOException {
        ElementFraming.check(file, sizeOf(file));
        return openVerified(file);
    }

    /**
     * {@link #open} for a file {@link #verifyComplete} has accepted already (the receiver's spool
     * files): the element walk is not repeated.
     */
    public static DicomObject openVerified(Path file) throws DicomFileException, IOException {
        return openVerified(file, sizeOf(file));
    }

    private static DicomObject openVerified(Path file, long size) throws DicomFileException, IOException {
        HeaderFirstReader.Result header = HeaderFirstReader.read(file, size);
        if (header == null) {
            return read(file, size);
        }
        return finish(header.list(), header.transferSyntax().getUID(), header.pixels(), List.of());
    }

    /**
     * The length of the object in a file: the whole file, or what its spool preamble commits a
     * reused spool file to ({@link SpoolPreamble}); bytes after it are an earlier object's and
     * never read.
     */
    public static long sizeOf(Path file) throws DicomFileException, IOException {
        long size;
        try {
            size = Files.size(file);
        } catch (NoSuchFileException e) {
            throw new DicomFileException("no such file");
        }
        if (size == 0) {
            throw new DicomFileException("not DICOM: empty file");
        }
        return SpoolPreamble.objectLength(file, size);
    }

    /** The first {@code length} bytes of a file, and nothing after them. */
    static InputStream openBounded(Path file, long length) throws IOException {
        InputStream whole = Files.newInputStream(file);
        return new java.io.FilterInputStream(whole) {
            private long left = length;

            @Override
            public int read() throws IOException {
                if (left <= 0) {
                    return -1;
                }
                int b = super.read();
                if (b >= 0) {
                    left--;
                }
                return b;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (left <= 0) {
                    return -1;
                }
                int n = super.read(b, off, (int) Math.min(len, left));
                if (n > 0) {
                    left -= n;
                }
                return n;
            }

            @Override
            public long skip(long n) throws IOException {
                long skipped = super.skip(Math.min(n, left));
                left -= skipped;
                return skipped;
            }

            @Override
            public int available() throws IOException {
                return (int) Math.min(super.available(), left);
            }

            @Override
            public boolean markSupported() {
                return false;
            }
        };
    }

    /** What every read does once the elements are in: rejects a DICOMDIR, drops file meta, UTF-8. */
    private static DicomObject finish(AttributeList list, String transferSyntax, PixelDataOnDisk pixels,
                                      List<Integer> droppedTags) throws DicomFileException {
        String metaTs = Attribute.getSingleStringValueOrEmptyString(list, TagFromName.TransferSyntaxUID).trim();
        if (!metaTs.isEmpty()) {
            transferSyntax = metaTs;
        }
        if (transferSyntax == null || transferSyntax.isEmpty()) {
            throw new DicomFileException("not DICOM: no transfer syntax could be established");
        }
        String mediaClass = Attribute.getSingleStringValueOrEmptyString(list, TagFromName.MediaStorageSOPClassUID).trim();
        if (MEDIA_DIRECTORY_SOP_CLASS.equals(mediaClass) || list.get(TagFromName.DirectoryRecordSequence) != null) {
            throw new DicomFileException("a DICOMDIR (media directory) holds no images to de-identify; give the image files");
        }
        removeFileMeta(list);
        list.removeGroupLengthAttributes();
        if (list.isEmpty()) {
            throw new DicomFileException("not DICOM: no dataset");
        }
        if (CharacterSets.needsUtf8(list)) {
            try {
                CharacterSets.convertToUtf8(list);
            } catch (DicomException e) {
                throw new DicomFileException("its text cannot be converted to UTF-8 (" + e.getClass().getSimpleName() + ")");
            }
        }
        return new DicomObject(list, transferSyntax, pixels, droppedTags);
    }

    private static final String MEDIA_DIRECTORY_SOP_CLASS = "1.2.840.10008.1.3.10";

    /**
     * The identity of an object proven complete by {@link #verifyComplete}; {@code hasPixelData}: it
     * has Pixel Data, Float Pixel Data or Double Float Pixel Data at the top level.
     */
    public record VerifiedObject(String sopClassUid, String sopInstanceUid, boolean hasPixelData) {

        /**
         * A standard image storage SOP class (PS3.4 B.5, as PixelMed lists them) whose data set has
         * no pixels: every such IOD requires one of the three, so the object is no image at all.
         * Private image classes and RT Dose (pixels only for grid doses) are not counted.
         */
        public boolean isImageWithoutPixels() {
            return !hasPixelData && SOPClass.isStandardImageStorage(sopClassUid);
        }
    }

    /**
     * Proves a received file complete: every element's length fits and the last ends with the
     * file ({@link ElementFraming}), the pixel data hold what the image needs, and it names its SOP
     * class and instance. The header is not handed to PixelMed here (the processor does that, and
     * quarantines what PixelMed cannot read), so the check before Success costs a walk over the
     * header's bytes, for a 2 GB object as for a small one. Files the walk does not cover (deflated)
     * are read whole.
     */
    public static VerifiedObject verifyComplete(Path file) throws DicomFileException, IOException {
        return verifyComplete(file, sizeOf(file));
    }

    /**
     * {@link #verifyComplete} of the first {@code size} bytes of a file: an object still being
     * written into a reused spool file, whose preamble does not give its length yet.
     */
    public static VerifiedObject verifyComplete(Path file, long size) throws DicomFileException, IOException {
        ElementFraming.Summary summary = ElementFraming.check(file, size);
        if (summary == null) {
            DicomObject object = openVerified(file, size);
            AttributeList list = object.dataset();
            boolean pixels = object.pixels() != null || list.get(TagFromName.PixelData) != null
                    || list.get(TagFromName.FloatPixelData) != null || list.get(TagFromName.DoubleFloatPixelData) != null;
            return new VerifiedObject(Attribute.getSingleStringValueOrEmptyString(list, TagFromName.SOPClassUID).trim(),
                    Attribute.getSingleStringValueOrEmptyString(list, TagFromName.SOPInstanceUID).trim(), pixels);
        }
        if (summary.pixelDataLength >= 0) {
            long needed = nativePixelBytes(summary.number(ElementFraming.ROWS, 0), summary.number(ElementFraming.COLUMNS, 0),
                    summary.number(ElementFraming.SAMPLES_PER_PIXEL, 1), summary.number(ElementFraming.BITS_ALLOCATED, 16),
                    summary.number(ElementFraming.NUMBER_OF_FRAMES, 1),
                    summary.string(ElementFraming.PHOTOMETRIC_INTERPRETATION));
            if (summary.pixelDataLength < needed) {
                throw new DicomFileException("truncated: pixel data has " + summary.pixelDataLength
                        + " bytes, the image needs " + needed);
            }
        }
        long frames = Math.max(1, summary.number(ElementFraming.NUMBER_OF_FRAMES, 1));
        if (summary.pixelDataFragments >= 0 && summary.pixelDataFragments - 1 < frames) {
            throw new DicomFileException("truncated: " + Math.max(0, summary.pixelDataFragments - 1)
                    + " compressed fragments for " + frames + " declared frames");
        }
        String sopClass = summary.string(ElementFraming.SOP_CLASS_UID);
        String sopInstance = summary.string(ElementFraming.SOP_INSTANCE_UID);
        if (sopClass.isEmpty() || sopInstance.isEmpty()) {
            throw new DicomFileException("no SOP Class or SOP Instance UID in the data set");
        }
        boolean pixels = summary.pixelDataLength >= 0 || summary.pixelDataFragments >= 0 || summary.floatPixelData;
        return new VerifiedObject(sopClass, sopInstance, pixels);
    }

    static long nativePixelBytes(AttributeList list) {
        return nativePixelBytes(Attribute.getSingleIntegerValueOrDefault(list, TagFromName.Rows, 0),
                Attribute.getSingleIntegerValueOrDefault(list, TagFromName.Columns, 0),
                Attribute.getSingleIntegerValueOrDefault(list, TagFromName.SamplesPerPixel, 1),
                Attribute.getSingleIntegerValueOrDefault(list, TagFromName.BitsAllocated, 16),
                Attribute.getSingleIntegerValueOrDefault(list, TagFromName.NumberOfFrames, 1),
                Attribute.getSingleStringValueOrEmptyString(list, TagFromName.PhotometricInterpretation).trim());
    }

    /** YBR_*_422 stores two samples' worth per pixel, whatever SamplesPerPixel says. */
    private static long nativePixelBytes(long rows, long columns, long samples, long bits, long frameCount,
                                         String photometric) {
        long frames = Math.max(1, frameCount);
        long perPixel = photometric.endsWith("_422") ? 2 : samples;
        return (rows * columns * perPixel * frames * bits + 7) / 8;
    }

    /** Peeks at the preamble and "DICM" prefix of a Part 10 file, leaving the stream where it was. */
    static boolean hasPart10Prefix(InputStream in) throws IOException {
        in.mark(132);
        byte[] head = in.readNBytes(132);
        in.reset();
        return head.length == 132 && head[128] == 'D' && head[129] == 'I' && head[130] == 'C' && head[131] == 'M';
    }

    private static void checkPixelData(AttributeList list) throws DicomFileException {
        // An image without pixel data is not rejected: a file cut exactly before (7FE0,0010) cannot be
        // told from one whose pixels were stripped on purpose (pydicom's character set samples).
        // A cut anywhere else shows as a read that stopped before the end of the file.
        Attribute pixels = list.get(TagFromName.PixelData);
        if (pixels == null) {
            return;
        }
        int frames = Math.max(1, Attribute.getSingleIntegerValueOrDefault(list, TagFromName.NumberOfFrames, 1));
        if (pixels instanceof OtherByteAttributeMultipleCompressedFrames compressed) {
            if (compressed.getNumberOfFrames() < frames) {
                throw new DicomFileException("truncated: " + compressed.getNumberOfFrames() + " compressed frames of "
                        + frames + " declared");
            }
        } else if (pixels.getVL() != 0xFFFFFFFFL) {
            // YBR_*_422 stores two samples' worth per pixel, whatever SamplesPerPixel says.
            long expected = nativePixelBytes(list);
            if (pixels.getVL() < expected) {
                throw new DicomFileException("truncated: pixel data has " + pixels.getVL() + " bytes, the image needs "
                        + expected);
            }
        }
    }

    private static final AttributeTag GROUP_1 = new AttributeTag(0x0001, 0x0000);
    private static final AttributeTag GROUP_2 = new AttributeTag(0x0002, 0x0000);
    private static final AttributeTag GROUP_3 = new AttributeTag(0x0003, 0x0000);

    /**
     * Removes groups 0000 and 0002, as PixelMed's removeMetaInformationHeaderAttributes does, but
     * by key range: PixelMed visits every attribute of the data set to find the first few.
     */
    static void removeFileMeta(AttributeList list) {
        list.headMap(GROUP_1).clear();
        list.subMap(GROUP_2, GROUP_3).clear();
    }

    /**
     * Writes the dataset as a Part 10 file with fresh file meta information (preamble, SOP class
     * and instance from the dataset, our implementation identity), in the transfer syntax it was read
     * in; pixel data left on disk by {@link #open} are copied byte for byte from their file. The file
     * appears under its final name only once complete and on disk.
     */
    public static void writeAtomically(DicomObject object, Path target) throws DicomFileException, IOException {
        Path parent = target.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        Path temp = Files.createTempFile(parent, ".deid-", ".part");
        boolean moved = false;
        try {
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE)) {
                write(object, channel);
                channel.force(true);
            }
            try {
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
            }
            moved = true;
        } finally {
            if (!moved) {
                Files.deleteIfExists(temp);
            }
        }
    }

    /**
     * Writes the file under its final name (replacing one there), not forced to disk: for callers
     * that make many files durable at once with {@link #force} and publish them only after that.
     */
    public static void writeUnsynced(DicomObject object, Path target) throws DicomFileException, IOException {
        Files.createDirectories(target.toAbsolutePath().getParent());
        try (FileChannel channel = FileChannel.open(target, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            write(object, channel);
        }
    }

    /** Forces a file, or a folder's entries, to disk. */
    public static void force(Path fileOrFolder) throws IOException {
        try (FileChannel channel = FileChannel.open(fileOrFolder, StandardOpenOption.READ)) {
            channel.force(true);
        }
    }

    /** Writes the whole Part 10 file to {@code channel}, not forced to disk. */
    public static void write(DicomObject object, FileChannel channel) throws DicomFileException, IOException {
        AttributeList dataset = object.dataset();
        String transferSyntax = object.transferSyntaxUid();
        PixelDataOnDisk pixels = object.pixels();
        AttributeList before = dataset;
        AttributeList after = new AttributeList();
        if (pixels != null) {
            if (dataset.get(TagFromName.PixelData) != null) {
                throw new IllegalStateException("pixel data both in the dataset and left in the file");
            }
            before = new AttributeList();
            for (Object value : dataset.values()) {
                Attribute attribute = (Attribute) value;
                (attribute.getTag().compareTo(TagFromName.PixelData) < 0 ? before : after).put(attribute);
            }
        }
        // PixelMed closes the stream it writes to; the channel must stay open for the pixels and the force
        OutputStream out = new BufferedOutputStream(new FilterOutputStream(Channels.newOutputStream(channel)) {
            @Override
            public void write(byte[] bytes, int offset, int length) throws IOException {
                this.out.write(bytes, offset, length);
            }

            @Override
            public void close() throws IOException {
                flush();
            }
        }, 64 * 1024);
        try {
            removeFileMeta(before);
            FileMeta.add(before, transferSyntax, SOURCE_AE);
            try {
                before.write(out, transferSyntax, true, false, false);
            } finally {
                removeFileMeta(before);
            }
            out.flush();
            if (pixels != null) {
                out.write(pixelDataHeader(pixels, before, new TransferSyntax(transferSyntax)));
                out.flush();
                copyPixels(pixels, channel);
                if (!after.isEmpty()) {
                    DicomOutputStream rest = new DicomOutputStream(out, null, transferSyntax);
                    after.write(rest);
                    rest.flush();
                }
            }
            out.flush();
        } catch (DicomException e) {
            throw new DicomFileException("cannot be written (" + e.getClass().getSimpleName() + ")", e);
        }
    }

    /**
     * Tag, VR and length of the Pixel Data, written here rather than copied: encapsulated data are
     * always OB (some files say OW), and native data keep the VR they came with unless it was UN.
     */
    private static byte[] pixelDataHeader(PixelDataOnDisk pixels, AttributeList dataset, TransferSyntax ts) {
        java.nio.ByteBuffer header = java.nio.ByteBuffer.allocate(12)
                .order(ts.isBigEndian() ? java.nio.ByteOrder.BIG_ENDIAN : java.nio.ByteOrder.LITTLE_ENDIAN);
        header.putShort((short) 0x7FE0).putShort((short) 0x0010);
        long length = pixels.encapsulated() ? 0xFFFFFFFFL : pixels.valueLength();
        if (ts.isExplicitVR()) {
            String vr = pixels.encapsulated() ? "OB"
                    : "OB".equals(pixels.vr()) || "OW".equals(pixels.vr()) ? pixels.vr()
                    : Attribute.getSingleIntegerValueOrDefault(dataset, TagFromName.BitsAllocated, 16) > 8 ? "OW" : "OB";
            header.put((byte) vr.charAt(0)).put((byte) vr.charAt(1)).putShort((short) 0);
        }
        header.putInt((int) length);
        return java.util.Arrays.copyOf(header.array(), header.position());
    }

    private static void copyPixels(PixelDataOnDisk pixels, FileChannel target) throws IOException {
        try (FileChannel source = FileChannel.open(pixels.file(), StandardOpenOption.READ)) {
            long at = pixels.valueOffset();
            long remaining = pixels.valueLength();
            while (remaining > 0) {
                long copied = source.transferTo(at, remaining, target);
                if (copied <= 0) {
                    throw new IOException("the source file ended while copying its pixel data");
                }
                at += copied;
                remaining -= copied;
            }
        }
    }
}
