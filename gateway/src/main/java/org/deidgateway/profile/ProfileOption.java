package org.deidgateway.profile;

import java.util.Arrays;
import java.util.Optional;

/**
 * The options of PS3.15 Annex E: the ten that Table E.1-1 gives actions for, with the column key the
 * table uses, and Clean Pixel Data (E.3.1), which acts on pixels, not attributes, and so has no column.
 * Each carries the CID 7050 code that records it in DeidentificationMethodCodeSequence.
 */
public enum ProfileOption {
    /** No table column: applied by the pixel cleaner, and recorded only on objects whose pixels it cleaned. */
    CLEAN_PIXEL_DATA("clean-pixel-data", null, "113101", "Clean Pixel Data Option"),
    CLEAN_DESCRIPTORS("clean-descriptors", "cleanDescOpt", "113105", "Clean Descriptors Option"),
    CLEAN_STRUCTURED_CONTENT("clean-structured-content", "cleanStructContOpt", "113104", "Clean Structured Content Option"),
    CLEAN_GRAPHICS("clean-graphics", "cleanGraphOpt", "113103", "Clean Graphics Option"),
    RETAIN_LONGITUDINAL_FULL_DATES("retain-longitudinal-full-dates", "rtnLongFullDatesOpt", "113106",
            "Retain Longitudinal Temporal Information Full Dates Option"),
    RETAIN_LONGITUDINAL_MODIFIED_DATES("retain-longitudinal-modified-dates", "rtnLongModifDatesOpt", "113107",
            "Retain Longitudinal Temporal Information Modified Dates Option"),
    RETAIN_PATIENT_CHARACTERISTICS("retain-patient-characteristics", "rtnPatCharsOpt", "113108",
            "Retain Patient Characteristics Option"),
    RETAIN_DEVICE_IDENTITY("retain-device-identity", "rtnDevIdOpt", "113109", "Retain Device Identity Option"),
    RETAIN_INSTITUTION_IDENTITY("retain-institution-identity", "rtnInstIdOpt", "113112",
            "Retain Institution Identity Option"),
    RETAIN_UIDS("retain-uids", "rtnUIDsOpt", "113110", "Retain UIDs Option"),
    RETAIN_SAFE_PRIVATE("retain-safe-private", "rtnSafePrivOpt", "113111", "Retain Safe Private Option");

    /** CID 7050 code of the Basic Application Level Confidentiality Profile itself. */
    public static final String BASIC_PROFILE_CODE = "113100";
    public static final String BASIC_PROFILE_MEANING = "Basic Application Confidentiality Profile";

    private final String yamlName;
    private final String tableColumn;
    private final String code;
    private final String codeMeaning;

    ProfileOption(String yamlName, String tableColumn, String code, String codeMeaning) {
        this.yamlName = yamlName;
        this.tableColumn = tableColumn;
        this.code = code;
        this.codeMeaning = codeMeaning;
    }

    public String yamlName() { return yamlName; }
    /** The Table E.1-1 column of this option, or null when the table has none (Clean Pixel Data). */
    public String tableColumn() { return tableColumn; }
    public boolean inTable() { return tableColumn != null; }
    public String code() { return code; }
    public String codeMeaning() { return codeMeaning; }

    public static Optional<ProfileOption> byYamlName(String name) {
        return Arrays.stream(values()).filter(o -> o.yamlName.equalsIgnoreCase(name.trim())).findFirst();
    }
}
