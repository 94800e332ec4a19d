package org.deidgateway.dicom;

/** A file that is not DICOM, is damaged, or cannot be written; the message never quotes its content. */
public class DicomFileException extends Exception {
    public DicomFileException(String message) {
        super(message);
    }

    public DicomFileException(String message, Throwable cause) {
        super(message, cause);
    }
}
