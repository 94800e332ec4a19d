package org.deidgateway.deid;

import com.pixelmed.dicom.Attribute;
import com.pixelmed.dicom.AttributeList;
import com.pixelmed.dicom.AttributeTag;
import com.pixelmed.dicom.DicomException;
import com.pixelmed.dicom.DicomInputStream;
import com.pixelmed.dicom.SequenceAttribute;
import com.pixelmed.dicom.TagFromName;
import com.pixelmed.dicom.TransferSyntax;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Set;

/**
 * Reads an element that arrived as UN as the VR the standard gives it. PixelMed's dictionary is
 * older than the confidentiality table: an element it does not know arrives as UN from implicit VR
 * files and from senders that wrote UN, and its bytes may be a whole sequence whose items hold a
 * name or an ID. Only read as its real VR can such an element get the table's action, item by item,
 * and its values be checked against their grammar.
 *
 * <p>The value is wrapped in a minimal stream PixelMed reads: explicit VR little endian for plain
 * values, preceded by the character set in force; implicit VR little endian for a sequence, as
 * PS3.5 6.2.2 prescribes for the content of a UN that was a sequence.
 */
final class UnknownVrReader {

    private static final Set<String> LONG_LENGTH = Set.of("OB", "OD", "OF", "OL", "OV", "OW", "SQ", "SV", "UC", "UN",
            "UR", "UT", "UV");
    private static final Set<String> STRING_VRS = Set.of("AE", "AS", "CS", "DA", "DS", "DT", "IS", "LO", "LT", "PN",
            "SH", "ST", "TM", "UC", "UI", "UR", "UT");
    /** A sequence PixelMed's dictionary knows, carrying the items while they are read. */
    private static final AttributeTag CARRIER = TagFromName.ContentSequence;

    private UnknownVrReader() {
    }

    /**
     * The element read as {@code vr}, or null if its bytes are not a value of that VR (wrong
     * length for a binary VR, items that do not frame): such an element is not to be kept.
     *
     * @param characterSet the values of Specific Character Set in force where the element is, or null
     */
    static Attribute read(Attribute unknown, String vr, String[] characterSet) {
        try {
            byte[] value = unknown.getByteValues();
            if (value == null) {
                value = new byte[0];
            }
            return "SQ".equals(vr) ? readSequence(unknown.getTag(), value, characterSet)
                    : readValue(unknown.getTag(), vr, value, characterSet);
        } catch (IOException | DicomException | RuntimeException e) {
            // PixelMed throws unchecked exceptions for some malformed values; any failure means "not this VR"
            return null;
        }
    }

    private static Attribute readValue(AttributeTag tag, String vr, byte[] value, String[] characterSet)
            throws IOException, DicomException {
        if (value.length % 2 == 1) {
            if (!STRING_VRS.contains(vr)) {
                return null;
            }
            value = java.util.Arrays.copyOf(value, value.length + 1);
            value[value.length - 1] = (byte) ("UI".equals(vr) ? 0 : ' ');
        }
        if (!LONG_LENGTH.contains(vr) && value.length > 0xFFFF) {
            return null;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(value.length + 64);
        writeCharacterSet(out, characterSet, true);
        writeTag(out, tag);
        out.write(vr.getBytes(StandardCharsets.US_ASCII));
        if (LONG_LENGTH.contains(vr)) {
            writeShort(out, 0);
            writeInt(out, value.length);
        } else {
            writeShort(out, value.length);
        }
        out.write(value);
        AttributeList list = readAll(out.toByteArray(), TransferSyntax.ExplicitVRLittleEndian);
        return list == null ? null : list.get(tag);
    }

    private static Attribute readSequence(AttributeTag tag, byte[] value, String[] characterSet)
            throws IOException, DicomException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(value.length + 64);
        writeCharacterSet(out, characterSet, false);
        writeTag(out, CARRIER);
        writeInt(out, 0xFFFFFFFF);
        out.write(value);
        writeTag(out, TagFromName.SequenceDelimitationItem);
        writeInt(out, 0);
        AttributeList list = readAll(out.toByteArray(), TransferSyntax.ImplicitVRLittleEndian);
        if (list == null || !(list.get(CARRIER) instanceof SequenceAttribute carried)) {
            return null;
        }
        SequenceAttribute sequence = new SequenceAttribute(tag);
        for (int i = 0; i < carried.getNumberOfItems(); i++) {
            sequence.addItem(carried.getItem(i).getAttributeList());
        }
        return sequence;
    }

    /**
     * Reads the stream; null unless it was read to its last byte into exactly the element (and
     * the character set): a value that ends early or spills into further elements is no value of
     * this VR.
     */
    private static AttributeList readAll(byte[] bytes, String transferSyntax) throws IOException, DicomException {
        AttributeList list = new AttributeList();
        list.setDecompressPixelData(false);
        long end;
        try (DicomInputStream dicom = new DicomInputStream(new ByteArrayInputStream(bytes), transferSyntax, false)) {
            end = list.read(dicom);
        }
        if (end != bytes.length) {
            return null;
        }
        int expected = list.containsKey(TagFromName.SpecificCharacterSet) ? 2 : 1;
        return list.size() == expected ? list : null;
    }

    private static void writeCharacterSet(ByteArrayOutputStream out, String[] characterSet, boolean explicit)
            throws IOException {
        if (characterSet == null || characterSet.length == 0) {
            return;
        }
        byte[] value = String.join("\\", characterSet).getBytes(StandardCharsets.US_ASCII);
        int length = value.length + (value.length % 2);
        writeTag(out, TagFromName.SpecificCharacterSet);
        if (explicit) {
            out.write('C');
            out.write('S');
            writeShort(out, length);
        } else {
            writeInt(out, length);
        }
        out.write(value);
        if (length != value.length) {
            out.write(' ');
        }
    }

    private static void writeTag(ByteArrayOutputStream out, AttributeTag tag) {
        writeShort(out, tag.getGroup());
        writeShort(out, tag.getElement());
    }

    private static void writeShort(ByteArrayOutputStream out, int v) {
        out.write(v & 0xFF);
        out.write((v >>> 8) & 0xFF);
    }

    private static void writeInt(ByteArrayOutputStream out, int v) {
        writeShort(out, v & 0xFFFF);
        writeShort(out, v >>> 16);
    }
}
