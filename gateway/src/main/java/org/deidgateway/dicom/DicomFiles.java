package org.deidgateway.dicom;

import com.pixelmed.dicom.Attribute;
import com.pixelmed.dicom.AttributeList;
import com.pixelmed.dicom.DicomException;
import com.pixelmed.dicom.DicomInputStream;
import com.pixelmed.dicom.FileMetaInformation;
import com.pixelmed.dicom.OtherByteAttributeMultipleCompressedFrames;
import com.pixelmed.dicom.TagFromName;
import com.pixelmed.dicom.TransferSyntax;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

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
        long size;
        try {
            size = Files.size(file);
        } catch (NoSuchFileException e) {
            throw new DicomFileException("no such file");
        }
        if (size == 0) {
            throw new DicomFileException("not DICOM: empty file");
        }
        AttributeList list = new AttributeList();
        list.setDecompressPixelData(false);
        long consumed;
        String transferSyntax;
        boolean part10 = false;
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(file), 64 * 1024)) {
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
        String mediaClass = Attribute.getSingleStringValueOrEmptyString(list, TagFromName.MediaStorageSOPClassUID).trim();
        if (MEDIA_DIRECTORY_SOP_CLASS.equals(mediaClass) || list.get(TagFromName.DirectoryRecordSequence) != null) {
            throw new DicomFileException("a DICOMDIR (media directory) holds no images to de-identify; give the image files");
        }
        checkPixelData(list);
        list.removeMetaInformationHeaderAttributes();
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
        return new DicomObject(list, transferSyntax);
    }

    private static final String MEDIA_DIRECTORY_SOP_CLASS = "1.2.840.10008.1.3.10";

    /** The identity of an object proven complete by {@link #verifyComplete}. */
    public record VerifiedObject(String sopClassUid, String sopInstanceUid) {
    }

    /**
     * Proves a received file complete and readable without parsing its pixel data when it can:
     * the header is parsed up to (7FE0,0010), and native pixel data must then end exactly at the end
     * of the file and hold at least what the image needs. Anything else (encapsulated or deflated
     * data, elements after the pixel data, no pixel data) is decided by the full {@link #read}.
     * The receiver calls this before answering Success; reading 16-bit pixels one by one was most of
     * its cost.
     */
    public static VerifiedObject verifyComplete(Path file) throws DicomFileException, IOException {
        AttributeList list = new AttributeList();
        list.setDecompressPixelData(false);
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(file), 64 * 1024)) {
            if (hasPart10Prefix(raw)) {
                DicomInputStream in = new DicomInputStream(raw);
                list.read(in, TagFromName.PixelData);
                TransferSyntax ts = in.getTransferSyntaxToReadDataSet();
                if (ts != null && !ts.isDeflated() && !ts.isBigEndian() && list.get(TagFromName.PixelData) == null) {
                    // PixelMed stops having read the tag of (7FE0,0010); its VR and length follow
                    byte[] header = in.readNBytes(ts.isExplicitVR() ? 8 : 4);
                    if (header.length == (ts.isExplicitVR() ? 8 : 4)) {
                        int at = header.length - 4;
                        long length = (header[at] & 0xFFL) | (header[at + 1] & 0xFFL) << 8 | (header[at + 2] & 0xFFL) << 16
                                | (header[at + 3] & 0xFFL) << 24;
                        // the pixel data must be all there (skipped in bulk; a short file throws), and what
                        // follows it, if anything (trailing padding), must parse as elements
                        if (length != 0xFFFFFFFFL && length >= nativePixelBytes(list)) {
                            in.skipNBytes(length);
                            new AttributeList().read(in);
                            return new VerifiedObject(
                                    Attribute.getSingleStringValueOrEmptyString(list, TagFromName.SOPClassUID).trim(),
                                    Attribute.getSingleStringValueOrEmptyString(list, TagFromName.SOPInstanceUID).trim());
                        }
                    }
                }
            }
        } catch (DicomException | IOException | RuntimeException e) {
            // the full read below gives the precise reason
        }
        DicomObject object = read(file);
        return new VerifiedObject(Attribute.getSingleStringValueOrEmptyString(object.dataset(), TagFromName.SOPClassUID).trim(),
                Attribute.getSingleStringValueOrEmptyString(object.dataset(), TagFromName.SOPInstanceUID).trim());
    }

    private static long nativePixelBytes(AttributeList list) {
        long rows = Attribute.getSingleIntegerValueOrDefault(list, TagFromName.Rows, 0);
        long columns = Attribute.getSingleIntegerValueOrDefault(list, TagFromName.Columns, 0);
        long samples = Attribute.getSingleIntegerValueOrDefault(list, TagFromName.SamplesPerPixel, 1);
        long bits = Attribute.getSingleIntegerValueOrDefault(list, TagFromName.BitsAllocated, 16);
        long frames = Math.max(1, Attribute.getSingleIntegerValueOrDefault(list, TagFromName.NumberOfFrames, 1));
        String photometric = Attribute.getSingleStringValueOrEmptyString(list, TagFromName.PhotometricInterpretation).trim();
        long perPixel = photometric.endsWith("_422") ? 2 : samples;
        return (rows * columns * perPixel * frames * bits + 7) / 8;
    }

    /** Peeks at the preamble and "DICM" prefix of a Part 10 file, leaving the stream where it was. */
    private static boolean hasPart10Prefix(InputStream in) throws IOException {
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

    /**
     * Writes the dataset as a Part 10 file with fresh file meta information (preamble, SOP class
     * and instance from the dataset, our implementation identity), in the transfer syntax it was read
     * in. The file appears under its final name only once complete and on disk.
     */
    public static void writeAtomically(DicomObject object, Path target) throws DicomFileException, IOException {
        AttributeList dataset = object.dataset();
        String transferSyntax = object.transferSyntaxUid();
        Path parent = target.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        Path temp = Files.createTempFile(parent, ".deid-", ".part");
        boolean moved = false;
        try {
            dataset.removeMetaInformationHeaderAttributes();
            FileMetaInformation.addFileMetaInformation(dataset, transferSyntax, SOURCE_AE);
            try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(temp), 64 * 1024)) {
                dataset.write(out, transferSyntax, true, true);
            } finally {
                dataset.removeMetaInformationHeaderAttributes();
            }
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE)) {
                channel.force(true);
            }
            try {
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
            }
            moved = true;
        } catch (DicomException e) {
            throw new DicomFileException("cannot be written (" + e.getClass().getSimpleName() + ")", e);
        } finally {
            if (!moved) {
                Files.deleteIfExists(temp);
            }
        }
    }
}
