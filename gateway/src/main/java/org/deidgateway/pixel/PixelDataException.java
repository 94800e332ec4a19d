package org.deidgateway.pixel;

/**
 * Pixel data that cannot be cleaned as they are. The message is a quarantine reason for hospital
 * IT: what is wrong with the layout or encoding, never a value read from the object.
 */
public final class PixelDataException extends Exception {
    public PixelDataException(String reason) {
        super(reason);
    }
}
