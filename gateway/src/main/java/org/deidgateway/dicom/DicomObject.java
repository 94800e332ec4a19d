package org.deidgateway.dicom;

import com.pixelmed.dicom.AttributeList;

/** One dataset as read, with the transfer syntax it was encoded in (which the output keeps). */
public record DicomObject(AttributeList dataset, String transferSyntaxUid) {
}
