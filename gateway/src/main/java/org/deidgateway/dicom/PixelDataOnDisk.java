package org.deidgateway.dicom;

import java.nio.file.Path;

/**
 * Where an object's Pixel Data value lies in its file: {@code valueLength} bytes from
 * {@code valueOffset}; for encapsulated (compressed) data that is every item and the sequence
 * delimiter, the element's own length being undefined. Writing copies these bytes as they are, so an
 * object of any size passes with its header in memory only. {@code vr} is the VR the element was
 * written with in an explicit-VR file (null for implicit VR).
 */
public record PixelDataOnDisk(Path file, long valueOffset, long valueLength, String vr, boolean encapsulated) {

    public PixelDataOnDisk {
        if (valueOffset < 0 || valueLength < 0) {
            throw new IllegalArgumentException("pixel data at " + valueOffset + " with " + valueLength + " bytes");
        }
    }
}
