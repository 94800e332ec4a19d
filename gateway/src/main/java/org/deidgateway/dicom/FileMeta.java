package org.deidgateway.dicom;

import com.pixelmed.dicom.Attribute;
import com.pixelmed.dicom.AttributeList;
import com.pixelmed.dicom.AttributeTag;
import com.pixelmed.dicom.DicomException;
import com.pixelmed.dicom.FileMetaInformation;
import com.pixelmed.dicom.TagFromName;
import com.pixelmed.dicom.UnsignedLongAttribute;
import com.pixelmed.dicom.ValueRepresentation;
import org.deidgateway.net.Implementation;

/**
 * The file meta information of the files the gateway writes. PixelMed makes it, but names itself
 * as the implementation; a copy the gateway wrote must name the gateway, as its associations do,
 * so that a repository can tell whose writer to blame.
 */
final class FileMeta {

    private FileMeta() {
    }

    static void add(AttributeList list, String transferSyntax, String sourceAe) throws DicomException {
        FileMetaInformation.addFileMetaInformation(list, transferSyntax, sourceAe);
        replace(list, TagFromName.ImplementationClassUID, Implementation.CLASS_UID);
        replace(list, TagFromName.ImplementationVersionName, Implementation.VERSION_NAME);
        // the values' lengths changed: the group length PixelMed computed is no longer true
        long length = 0;
        for (Object value : list.values()) {
            Attribute a = (Attribute) value;
            if (a.getTag().getGroup() == 0x0002 && a.getTag().getElement() != 0x0000) {
                length += (ValueRepresentation.isShortValueLengthVR(a.getVR()) ? 8 : 12) + a.getPaddedVL();
            }
        }
        Attribute groupLength = new UnsignedLongAttribute(TagFromName.FileMetaInformationGroupLength);
        groupLength.addValue(length);
        list.put(groupLength);
    }

    private static void replace(AttributeList list, AttributeTag tag, String value) throws DicomException {
        Attribute a = list.get(tag) != null ? list.get(tag) : list.putNewAttribute(tag);
        a.removeValues();
        a.addValue(value);
    }
}
