package org.deidgateway.pixel;

import com.pixelmed.dicom.Attribute;
import com.pixelmed.dicom.AttributeList;
import com.pixelmed.dicom.TagFromName;
import org.deidgateway.dicom.DicomObject;

import java.util.Set;

/**
 * The Image Pixel module of an object and how its pixel data are encoded, checked before a byte of
 * pixels is read: what cannot be cleaned here is refused with the reason, never half-decoded.
 */
public record PixelLayout(int rows, int columns, int samplesPerPixel, int bitsAllocated, int bitsStored, int highBit,
                          boolean signed, String photometric, int planarConfiguration, int frames, String transferSyntaxUid) {

    public static final String IMPLICIT_LE = "1.2.840.10008.1.2";
    public static final String EXPLICIT_LE = "1.2.840.10008.1.2.1";
    public static final String EXPLICIT_BE = "1.2.840.10008.1.2.2";
    public static final String RLE = "1.2.840.10008.1.2.5";
    public static final String JPEG_BASELINE = "1.2.840.10008.1.2.4.50";
    public static final String JPEG_LOSSLESS = "1.2.840.10008.1.2.4.57";
    public static final String JPEG_LOSSLESS_SV1 = "1.2.840.10008.1.2.4.70";

    /** How the frames are stored, as far as this package reads them. */
    public enum Encoding { NATIVE, RLE, JPEG_BASELINE, JPEG_LOSSLESS }

    private static final Set<String> MONOCHROME = Set.of("MONOCHROME1", "MONOCHROME2");

    public static PixelLayout of(DicomObject object) throws PixelDataException {
        AttributeList d = object.dataset();
        if (d.get(TagFromName.FloatPixelData) != null || d.get(TagFromName.DoubleFloatPixelData) != null) {
            throw new PixelDataException("float pixel data cannot be cleaned here");
        }
        if (object.pixels() == null) {
            throw new PixelDataException("no pixel data");
        }
        int rows = integer(d, TagFromName.Rows);
        int columns = integer(d, TagFromName.Columns);
        int samples = integer(d, TagFromName.SamplesPerPixel);
        int allocated = integer(d, TagFromName.BitsAllocated);
        int stored = integer(d, TagFromName.BitsStored);
        int high = Attribute.getSingleIntegerValueOrDefault(d, TagFromName.HighBit, stored - 1);
        int representation = Attribute.getSingleIntegerValueOrDefault(d, TagFromName.PixelRepresentation, 0);
        String photometric = Attribute.getSingleStringValueOrEmptyString(d, TagFromName.PhotometricInterpretation).trim();
        int planar = Attribute.getSingleIntegerValueOrDefault(d, TagFromName.PlanarConfiguration, 0);
        String framesText = Attribute.getSingleStringValueOrEmptyString(d, TagFromName.NumberOfFrames).trim();
        int frames;
        try {
            frames = framesText.isEmpty() ? 1 : Integer.parseInt(framesText);
        } catch (NumberFormatException e) {
            throw new PixelDataException("Number of Frames is not a number");
        }
        if (rows <= 0 || columns <= 0 || frames <= 0) {
            throw new PixelDataException("image of " + columns + "x" + rows + " with " + frames + " frames: nothing to clean");
        }
        if (allocated != 1 && allocated != 8 && allocated != 16 && allocated != 32) {
            throw new PixelDataException("Bits Allocated " + allocated + " is not 1, 8, 16 or 32");
        }
        if (stored < 1 || stored > allocated || high != stored - 1 && (high < stored - 1 || high >= allocated)) {
            throw new PixelDataException("Bits Stored " + stored + " and High Bit " + high + " do not fit Bits Allocated " + allocated);
        }
        if (representation != 0 && representation != 1) {
            throw new PixelDataException("Pixel Representation " + representation + " is neither 0 nor 1");
        }
        Encoding encoding = encodingOf(object.transferSyntaxUid());
        if (MONOCHROME.contains(photometric) || photometric.equals("PALETTE COLOR")) {
            if (samples != 1) {
                throw new PixelDataException(photometric + " with " + samples + " samples per pixel");
            }
        } else if (photometric.equals("RGB") || photometric.equals("YBR_FULL")
                || (photometric.equals("YBR_FULL_422") && encoding == Encoding.JPEG_BASELINE)) {
            if (samples != 3) {
                throw new PixelDataException(photometric + " with " + samples + " samples per pixel");
            }
            if (allocated == 1) {
                throw new PixelDataException("colour pixel data with Bits Allocated 1");
            }
        } else {
            throw new PixelDataException("photometric interpretation '" + photometric + "' is not supported for cleaning"
                    + (photometric.startsWith("YBR") ? " in this transfer syntax" : ""));
        }
        if (allocated == 1 && encoding != Encoding.NATIVE) {
            throw new PixelDataException("Bits Allocated 1 in a compressed transfer syntax");
        }
        if (planar != 0 && planar != 1) {
            throw new PixelDataException("Planar Configuration " + planar + " is neither 0 nor 1");
        }
        if ((long) rows * columns * samples > 256L * 1024 * 1024) {
            throw new PixelDataException("a frame of " + columns + "x" + rows + " is too large to clean in memory");
        }
        return new PixelLayout(rows, columns, samples, allocated, stored, high, representation == 1, photometric,
                samples == 3 ? planar : 0, frames, object.transferSyntaxUid());
    }

    static Encoding encodingOf(String ts) throws PixelDataException {
        return switch (ts) {
            case IMPLICIT_LE, EXPLICIT_LE, EXPLICIT_BE -> Encoding.NATIVE;
            case RLE -> Encoding.RLE;
            case JPEG_BASELINE -> Encoding.JPEG_BASELINE;
            case JPEG_LOSSLESS, JPEG_LOSSLESS_SV1 -> Encoding.JPEG_LOSSLESS;
            case "1.2.840.10008.1.2.4.90", "1.2.840.10008.1.2.4.91", "1.2.840.10008.1.2.4.201", "1.2.840.10008.1.2.4.202",
                 "1.2.840.10008.1.2.4.203" -> throw new PixelDataException("JPEG 2000 pixel data cannot be cleaned here: "
                    + "no JPEG 2000 codec is available to the gateway, so the object stays in quarantine");
            case "1.2.840.10008.1.2.4.80", "1.2.840.10008.1.2.4.81" -> throw new PixelDataException(
                    "JPEG-LS pixel data cannot be cleaned here (no JPEG-LS codec), so the object stays in quarantine");
            case "1.2.840.10008.1.2.4.51" -> throw new PixelDataException(
                    "JPEG Extended (12-bit) pixel data cannot be cleaned here (no decoder), so the object stays in quarantine");
            case "1.2.840.10008.1.2.1.99" -> throw new PixelDataException(
                    "deflated data sets cannot be cleaned here, so the object stays in quarantine");
            default -> throw new PixelDataException("pixel data in transfer syntax " + ts
                    + " cannot be cleaned here (video or an encoding without a decoder), so the object stays in quarantine");
        };
    }

    public Encoding encoding() {
        try {
            return encodingOf(transferSyntaxUid);
        } catch (PixelDataException e) {
            throw new IllegalStateException(e);
        }
    }

    public boolean bigEndian() {
        return EXPLICIT_BE.equals(transferSyntaxUid);
    }

    /** Bytes of one native frame (bits, for Bits Allocated 1: see {@link #frameBits}). */
    public long frameBytes() {
        return (long) rows * columns * samplesPerPixel * (bitsAllocated / 8);
    }

    public long frameBits() {
        return (long) rows * columns * samplesPerPixel * bitsAllocated;
    }

    /** The stored value of a raw sample word: the Bits Stored below High Bit, sign-extended when signed. */
    public int value(int raw) {
        int shift = highBit - bitsStored + 1;
        int v = (raw >>> shift) & (bitsStored == 32 ? -1 : (1 << bitsStored) - 1);
        if (signed && bitsStored < 32 && (v & (1 << (bitsStored - 1))) != 0) {
            v -= 1 << bitsStored;
        }
        return v;
    }

    /** The raw word that holds a stored value (the bits outside Bits Stored zero). */
    public int raw(int value) {
        int shift = highBit - bitsStored + 1;
        int mask = bitsStored == 32 ? -1 : (1 << bitsStored) - 1;
        return (value & mask) << shift;
    }

    public int minValue() {
        return signed ? -(1 << (bitsStored - 1)) : 0;
    }

    public int maxValue() {
        return signed ? (1 << (bitsStored - 1)) - 1 : (bitsStored >= 31 ? Integer.MAX_VALUE : (1 << bitsStored) - 1);
    }

    private static int integer(AttributeList d, com.pixelmed.dicom.AttributeTag tag) throws PixelDataException {
        int v = Attribute.getSingleIntegerValueOrDefault(d, tag, -1);
        if (v < 0) {
            throw new PixelDataException("the image has no " + com.pixelmed.dicom.DicomDictionary.StandardDictionary
                    .getNameFromTag(tag) + " " + tag);
        }
        return v;
    }
}
