package org.deidgateway.dicom;

import com.pixelmed.dicom.AttributeList;

/**
 * One dataset as read, with the transfer syntax it was encoded in (which the output keeps). When
 * {@code pixels} is set the dataset holds everything but the Pixel Data, which stays in the file.
 */
public record DicomObject(AttributeList dataset, String transferSyntaxUid, PixelDataOnDisk pixels) {

    public DicomObject(AttributeList dataset, String transferSyntaxUid) {
        this(dataset, transferSyntaxUid, null);
    }
}
