package org.deidgateway.dicom;

import com.pixelmed.dicom.AttributeList;

import java.util.List;

/**
 * One dataset as read, with the transfer syntax it was encoded in (which the output keeps). When
 * {@code pixels} is set the dataset holds everything but the Pixel Data, which stays in the file.
 * {@code droppedTags}: elements left out at reading because they could not be parsed (an implicit
 * VR element of undefined length that is no sequence); they are not in the dataset.
 */
public record DicomObject(AttributeList dataset, String transferSyntaxUid, PixelDataOnDisk pixels,
                          List<Integer> droppedTags) {

    public DicomObject {
        droppedTags = List.copyOf(droppedTags);
    }

    public DicomObject(AttributeList dataset, String transferSyntaxUid) {
        this(dataset, transferSyntaxUid, null, List.of());
    }
}
