package org.deidgateway.dicom;

import com.pixelmed.dicom.AttributeList;
import com.pixelmed.dicom.AttributeTag;

/**
 * The value representations of PS3.5 6.2 as the two code characters in one number ('O','B' is
 * 0x4F42), and what the element walk needs to know of each: which exist, which carry a 4-byte
 * length, which have values of a fixed size, and what PixelMed will take an implicit element for.
 */
final class VrCodes {

    static final int NONE = 0;
    static final int OB = code("OB");
    static final int OW = code("OW");
    static final int SQ = code("SQ");
    static final int UN = code("UN");
    static final int LO = code("LO");
    static final int CS = code("CS");

    private VrCodes() {
    }

    static int code(String vr) {
        return vr.charAt(0) << 8 | vr.charAt(1);
    }

    static String name(int vr) {
        char first = (char) (vr >>> 8);
        char second = (char) (vr & 0xFF);
        // a corrupted code can be any two bytes: only letters are shown as they are
        return (Character.isUpperCase(first) ? String.valueOf(first) : "?") + (Character.isUpperCase(second) ? second : '?');
    }

    /** Whether the two bytes are one of the 34 codes PS3.5 (2024e) defines. */
    static boolean isDefined(int vr) {
        return switch (vr) {
            case 0x4145, 0x4153, 0x4154, 0x4353, 0x4441, 0x4453, 0x4454, 0x4644, 0x464C, 0x4953, // AE AS AT CS DA DS DT FD FL IS
                 0x4C4F, 0x4C54, 0x4F42, 0x4F44, 0x4F46, 0x4F4C, 0x4F56, 0x4F57, 0x504E, 0x5348, // LO LT OB OD OF OL OV OW PN SH
                 0x534C, 0x5351, 0x5353, 0x5354, 0x5356, 0x544D, 0x5543, 0x5549, 0x554C, 0x554E, // SL SQ SS ST SV TM UC UI UL UN
                 0x5552, 0x5553, 0x5554, 0x5556 -> true; // UR US UT UV
            default -> false;
        };
    }

    /** Explicit VRs with a 2-byte reserved field and a 4-byte length (PS3.5 7.1.2). */
    static boolean hasLongLength(int vr) {
        return switch (vr) {
            case 0x4F42, 0x4F44, 0x4F46, 0x4F4C, 0x4F56, 0x4F57, // OB OD OF OL OV OW
                 0x5351, 0x5356, 0x5543, 0x554E, 0x5552, 0x5554, 0x5556 -> true; // SQ SV UC UN UR UT UV
            default -> false;
        };
    }

    /** The size of one value of a binary VR, whose length must be a multiple of it; 1 for the others. */
    static int valueSize(int vr) {
        return switch (vr) {
            case 0x5353, 0x5553, 0x4F57 -> 2; // SS US OW
            case 0x4154, 0x464C, 0x534C, 0x554C, 0x4F46, 0x4F4C -> 4; // AT FL SL UL OF OL
            case 0x4644, 0x5356, 0x5556, 0x4F44, 0x4F56 -> 8; // FD SV UV OD OV
            default -> 1;
        };
    }

    /**
     * The VR PixelMed gives an element of an implicit VR data set: LO for a private creator slot
     * (an odd group's elements 0001-00FF, as PixelMed counts them), the dictionary's otherwise, and
     * UN for a tag it does not know. An undefined length is read as a sequence only for SQ and UN.
     */
    static int implicitVr(int tag) {
        AttributeTag attributeTag = new AttributeTag(tag >>> 16, tag & 0xFFFF);
        if (attributeTag.isPrivateCreator()) {
            return LO;
        }
        byte[] vr = AttributeList.getDictionary().getValueRepresentationFromTag(attributeTag);
        return vr == null || vr.length != 2 ? UN : (vr[0] & 0xFF) << 8 | (vr[1] & 0xFF);
    }
}
