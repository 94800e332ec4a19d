package org.deidgateway.deid;

import com.pixelmed.dicom.AttributeList;
import com.pixelmed.dicom.CodeStringAttribute;
import com.pixelmed.dicom.DicomException;
import com.pixelmed.dicom.LongStringAttribute;
import com.pixelmed.dicom.SequenceAttribute;
import com.pixelmed.dicom.ShortStringAttribute;
import com.pixelmed.dicom.TagFromName;
import org.deidgateway.profile.ConfidentialityProfile;
import org.deidgateway.profile.ProfileOption;

/**
 * Records on every output what was done to it (PS3.15 E.1.1 and PS3.3 C.7.1.1): Patient Identity
 * Removed, De-identification Method, the CID 7050 codes of exactly the profile and options
 * applied, and whether longitudinal temporal information was kept, shifted or removed.
 */
public final class DeidentificationMarker {

    static final String METHOD_PREFIX = "deid-gateway profile ";

    private final ConfidentialityProfile profile;

    DeidentificationMarker(ConfidentialityProfile profile) {
        this.profile = profile;
    }

    void mark(AttributeList dataset) throws DicomException {
        CodeStringAttribute removed = new CodeStringAttribute(TagFromName.PatientIdentityRemoved);
        removed.addValue("YES");
        dataset.put(removed);

        LongStringAttribute method = new LongStringAttribute(TagFromName.DeidentificationMethod);
        method.addValue(ValueLimits.truncate("LO", METHOD_PREFIX + profile.name()));
        dataset.put(method);

        SequenceAttribute codes = new SequenceAttribute(TagFromName.DeidentificationMethodCodeSequence);
        codes.addItem(code(ProfileOption.BASIC_PROFILE_CODE, ProfileOption.BASIC_PROFILE_MEANING));
        for (ProfileOption option : profile.optionsInCodeOrder()) {
            codes.addItem(code(option.code(), option.codeMeaning()));
        }
        dataset.put(codes);

        CodeStringAttribute temporal = new CodeStringAttribute(TagFromName.LongitudinalTemporalInformationModified);
        if (profile.has(ProfileOption.RETAIN_LONGITUDINAL_FULL_DATES)) {
            temporal.addValue("UNMODIFIED");
        } else if (profile.has(ProfileOption.RETAIN_LONGITUDINAL_MODIFIED_DATES)) {
            temporal.addValue("MODIFIED");
        } else {
            temporal.addValue("REMOVED");
        }
        dataset.put(temporal);
    }

    /** A CID 7050 item of the De-identification Method Code Sequence (DCM scheme). */
    public static AttributeList code(String value, String meaning) throws DicomException {
        AttributeList item = new AttributeList();
        ShortStringAttribute codeValue = new ShortStringAttribute(TagFromName.CodeValue);
        codeValue.addValue(value);
        item.put(codeValue);
        ShortStringAttribute scheme = new ShortStringAttribute(TagFromName.CodingSchemeDesignator);
        scheme.addValue("DCM");
        item.put(scheme);
        LongStringAttribute codeMeaning = new LongStringAttribute(TagFromName.CodeMeaning);
        codeMeaning.addValue(meaning);
        item.put(codeMeaning);
        return item;
    }
}
