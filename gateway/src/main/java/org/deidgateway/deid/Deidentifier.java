package org.deidgateway.deid;

import com.pixelmed.dicom.Attribute;
import com.pixelmed.dicom.AttributeList;
import com.pixelmed.dicom.AttributeTag;
import com.pixelmed.dicom.DicomException;
import com.pixelmed.dicom.SequenceAttribute;
import com.pixelmed.dicom.SequenceItem;
import com.pixelmed.dicom.TagFromName;
import org.deidgateway.profile.Action;
import org.deidgateway.profile.ConfidentialityProfile;
import org.deidgateway.profile.DataDictionary;
import org.deidgateway.profile.Decision;
import org.deidgateway.profile.ProfileOption;
import org.deidgateway.profile.ProfileRules;
import org.deidgateway.profile.ProfileRules.Context;
import org.deidgateway.pseudonym.PatientIdentity;
import org.deidgateway.pseudonym.PatientPseudonymizer;
import org.deidgateway.pseudonym.PseudonymException;
import org.deidgateway.pseudonym.PseudonymScheme;
import org.deidgateway.pseudonym.UidRemapper;
import org.deidgateway.pseudonym.ValueHasher;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Applies one profile to one dataset, in place: every attribute at every depth gets the action
 * {@link ProfileRules} decides, free text kept under a clean option is scrubbed of the object's
 * own identifying strings, and the result is marked as de-identified. Immutable and thread-safe;
 * one instance serves all objects of a project.
 */
public final class Deidentifier {

    private final ProfileRules rules;
    private final PatientPseudonymizer pseudonymizer;
    private final PseudonymScheme scheme;
    private final UidRemapper uids;
    private final ValueHasher hasher;
    private final PatientDateOffsets dateOffsets;
    private final DeidentificationMarker marker;

    /** An engine that keeps dates in full or removes them: the profile must not ask for shifted dates. */
    public Deidentifier(ProfileRules rules, PatientPseudonymizer pseudonymizer, PseudonymScheme scheme, UidRemapper uids,
                        ValueHasher hasher) throws DeidentificationException {
        this(rules, pseudonymizer, scheme, uids, hasher, null);
    }

    /**
     * @param dateOffsets the day offset of each patient; required exactly when the profile has Retain
     *                    Longitudinal Temporal Information Modified Dates, and null otherwise
     */
    public Deidentifier(ProfileRules rules, PatientPseudonymizer pseudonymizer, PseudonymScheme scheme, UidRemapper uids,
                        ValueHasher hasher, PatientDateOffsets dateOffsets) throws DeidentificationException {
        ConfidentialityProfile profile = rules.profile();
        boolean shifts = profile.has(ProfileOption.RETAIN_LONGITUDINAL_MODIFIED_DATES);
        if (shifts && dateOffsets == null) {
            throw new DeidentificationException("profile '" + profile.name() + "' keeps dates shifted (Retain "
                    + "Longitudinal Temporal Information Modified Dates), so it runs only as an anonymizing stage with "
                    + "per-run identities and date offsets: deid deidentify --profile " + profile.name()
                    + ", or DeidentifierFactory.createAnonymizing; refusing to run rather than keep real dates");
        }
        if (!shifts && dateOffsets != null) {
            throw new DeidentificationException("profile '" + profile.name() + "' does not have Retain Longitudinal "
                    + "Temporal Information Modified Dates: its dates are kept or removed, never shifted");
        }
        this.rules = rules;
        this.pseudonymizer = pseudonymizer;
        this.scheme = scheme;
        this.uids = uids;
        this.hasher = hasher;
        this.dateOffsets = dateOffsets;
        this.marker = new DeidentificationMarker(profile);
    }

    public ConfidentialityProfile profile() {
        return rules.profile();
    }

    /**
     * The strings that identify this object's patient and the people and places around it, and
     * every date it holds: what burned-in text must not show (the same collection the text
     * cleaner uses; dates count whatever the profile does with the attributes).
     */
    public TextCleaner identifyingStrings(AttributeList dataset) {
        return IdentifyingStrings.collect(dataset, rules, OriginalDates.collect(dataset));
    }

    public DeidentifiedInstance deidentify(AttributeList dataset) throws DeidentificationException {
        String sopInstance = Attribute.getSingleStringValueOrEmptyString(dataset, TagFromName.SOPInstanceUID).trim();
        String sopClass = Attribute.getSingleStringValueOrEmptyString(dataset, TagFromName.SOPClassUID).trim();
        if (sopInstance.isEmpty()) {
            throw new DeidentificationException("no SOP Instance UID (0008,0018): not a composite instance");
        }
        if (sopClass.isEmpty()) {
            throw new DeidentificationException("no SOP Class UID (0008,0016): not a composite instance");
        }
        String patientId = text(dataset, TagFromName.PatientID);
        String issuer = text(dataset, TagFromName.IssuerOfPatientID);
        String originalStudy = text(dataset, TagFromName.StudyInstanceUID);
        String linkKey = patientId.isEmpty()
                ? pseudonymizer.pseudonymForUnidentifiedPatient(originalStudy.isEmpty() ? sopInstance : originalStudy)
                : pseudonymizer.pseudonym(issuer, patientId);
        PatientIdentity patient = new PatientIdentity(linkKey, issuer, patientId, text(dataset, TagFromName.PatientName),
                text(dataset, TagFromName.PatientBirthDate), text(dataset, TagFromName.PatientSex));
        String originalAccession = text(dataset, TagFromName.AccessionNumber);
        String studyDate = text(dataset, TagFromName.StudyDate);
        String pseudonym;
        try {
            pseudonym = scheme.pseudonymFor(patient);
        } catch (PseudonymException e) {
            throw new DeidentificationException("no pseudonym: " + e.getMessage(), e);
        }

        DateShifter shifter = null;
        if (dateOffsets != null) {
            int days = dateOffsets.offsetDaysFor(linkKey);
            if (days == 0) {
                throw new DeidentificationException("a date offset of 0 days would keep the real dates");
            }
            shifter = new DateShifter(days);
        }

        Set<String> realDates = shifter == null ? Set.of() : OriginalDates.collect(dataset);
        TextCleaner cleaner = IdentifyingStrings.collect(dataset, rules, realDates);
        Pass pass;
        try {
            pass = new Pass(cleaner, pseudonym, shifter);
            pass.apply(dataset, Context.TOP_LEVEL, null);
            OriginalDates.scrubFromText(dataset, realDates);
            marker.mark(dataset);
        } catch (DicomException e) {
            throw new DeidentificationException("cannot rewrite the dataset: " + e.getClass().getSimpleName(), e);
        }
        return new DeidentifiedInstance(pseudonym, patient, originalStudy, originalAccession, studyDate,
                text(dataset, TagFromName.StudyInstanceUID), text(dataset, TagFromName.SeriesInstanceUID),
                text(dataset, TagFromName.SOPInstanceUID), sopClass, List.copyOf(pass.emptied), List.copyOf(pass.unreadable));
    }

    private static String text(AttributeList dataset, AttributeTag tag) {
        return Attribute.getSingleStringValueOrEmptyString(dataset, tag).trim();
    }

    static int tagOf(AttributeTag tag) {
        return (tag.getGroup() << 16) | tag.getElement();
    }

    /** One object's walk: carries what is specific to the object (its cleaner, pseudonym and date shift). */
    private final class Pass {
        private final TextCleaner cleaner;
        private final String pseudonym;
        /** Null unless the profile keeps dates shifted. */
        private final DateShifter shifter;
        /** Tags whose kept values did not match their VR's grammar and were emptied. */
        private final Set<Integer> emptied = new java.util.TreeSet<>();
        /** Tags of UN elements that could not be read as a known VR and were removed. */
        private final Set<Integer> unreadable = new java.util.TreeSet<>();

        Pass(TextCleaner cleaner, String pseudonym, DateShifter shifter) {
            this.cleaner = cleaner;
            this.pseudonym = pseudonym;
            this.shifter = shifter;
        }

        void apply(AttributeList list, Context context, String[] inheritedCharacterSet) throws DicomException {
            String[] characterSet = characterSetOf(list, inheritedCharacterSet);
            Set<Integer> keptPrivateBlocks = new HashSet<>();
            List<AttributeTag> creators = new ArrayList<>();
            Set<Integer> removedOverlayGroups = new HashSet<>();
            for (AttributeTag tag : new ArrayList<>(list.keySet())) {
                Attribute attribute = list.get(tag);
                int group = tag.getGroup();
                int element = tag.getElement();
                Decision decision;
                if ((group & 1) == 1) {
                    if (element >= 0x0010 && element <= 0x00FF) {
                        creators.add(tag);
                        continue;
                    }
                    if (element < 0x0010) {
                        list.remove(tag);
                        continue;
                    }
                    String creator = list.getPrivateCreatorString(tag);
                    decision = rules.decidePrivate(tagOf(tag), creator);
                    if (decision.action() == Action.KEEP && isUnknownVr(attribute)) {
                        // a safe private element is safe as what the table says it is, not as opaque bytes
                        attribute = readAs(list, attribute, rules.safePrivate().vrOf(creator, tagOf(tag)), characterSet);
                        if (attribute == null) {
                            continue;
                        }
                    }
                } else {
                    if (isUnknownVr(attribute)) {
                        attribute = readAs(list, attribute, standardVr(tag), characterSet);
                        if (attribute == null) {
                            continue;
                        }
                    }
                    decision = rules.decide(tagOf(tag), attribute.getVRAsString(), context);
                }
                boolean kept = applyTo(list, attribute, decision.action(), context, characterSet);
                if (kept && shifter != null && keepsOriginalValue(decision.action()) && isDate(attribute)) {
                    kept = shiftDates(list, attribute);
                }
                if (kept && keepsOriginalValue(decision.action()) && !conformsToVr(attribute)) {
                    // what the engine keeps verbatim must be a value of its VR: see ValueGrammar
                    attribute.removeValues();
                    emptied.add(tagOf(tag));
                }
                if (kept && (group & 1) == 1) {
                    keptPrivateBlocks.add((group << 8) | (element >>> 8));
                }
                if (!kept && (group & 0xFF00) == 0x6000 && element == 0x3000) {
                    removedOverlayGroups.add(group);
                }
            }
            for (AttributeTag creator : creators) {
                if (!keptPrivateBlocks.contains((creator.getGroup() << 8) | creator.getElement())) {
                    list.remove(creator);
                }
            }
            // An overlay without its data is not a valid Overlay Plane Module: the whole group goes.
            for (int group : removedOverlayGroups) {
                list.removeGroup(group);
            }
        }

        /** Applies one action; returns whether the attribute is still in the list. */
        private boolean applyTo(AttributeList list, Attribute attribute, Action action, Context context,
                                String[] characterSet) throws DicomException {
            AttributeTag tag = attribute.getTag();
            String vr = attribute.getVRAsString();
            boolean sequence = attribute instanceof SequenceAttribute;
            switch (action) {
                case REMOVE -> {
                    list.remove(tag);
                    return false;
                }
                case EMPTY -> attribute.removeValues();
                case KEEP, KEEP_REMAP_UIDS -> {
                    if (sequence) {
                        recurse((SequenceAttribute) attribute, context == Context.TOP_LEVEL ? Context.KEPT_SEQUENCE : context,
                                characterSet);
                    } else if (action == Action.KEEP_REMAP_UIDS) {
                        if ("UI".equals(vr)) {
                            remapUids(attribute);
                        } else {
                            attribute.removeValues();
                        }
                    }
                }
                case CLEAN -> {
                    if (sequence) {
                        recurse((SequenceAttribute) attribute,
                                context == Context.DUMMIED_SEQUENCE ? context : Context.CLEANED_SEQUENCE, characterSet);
                    } else if (!clean(attribute, vr)) {
                        list.remove(tag);
                        return false;
                    }
                }
                case DUMMY -> {
                    if (sequence) {
                        recurse((SequenceAttribute) attribute, Context.DUMMIED_SEQUENCE, characterSet);
                    } else {
                        dummy(attribute, vr);
                    }
                }
                case REMAP_UID -> {
                    if ("UI".equals(vr)) {
                        remapUids(attribute);
                    } else {
                        list.remove(tag);
                        return false;
                    }
                }
                case PSEUDONYM -> replaceAll(attribute, pseudonym);
                case REPLACE -> replaceAll(attribute, rules.profile().overrides().get(tagOf(tag)).value());
                case HASH -> {
                    if ("UI".equals(vr)) {
                        remapUids(attribute);
                    } else if (sequence || DummyValues.forStringVr(vr) == null) {
                        attribute.removeValues();
                    } else {
                        String[] values = attribute.getStringValues();
                        attribute.removeValues();
                        for (String value : values == null ? new String[0] : values) {
                            attribute.addValue(hasher.hash(tagOf(tag), value));
                        }
                    }
                }
            }
            return true;
        }

        /**
         * Under Retain Longitudinal Modified Dates the table says C for the date rows, and every
         * date the profile keeps (unlisted attributes, attributes in items, safe private ones)
         * still carries the real date: all of them move by the patient's offset. Values the
         * engine wrote itself (dummy, replace, hash) are no dates of the patient and stay.
         */
        private static boolean keepsOriginalValue(Action action) {
            return action == Action.KEEP || action == Action.CLEAN;
        }

        private static boolean isDate(Attribute attribute) {
            String vr = attribute.getVRAsString();
            return ("DA".equals(vr) || "DT".equals(vr)) && !(attribute instanceof SequenceAttribute);
        }

        /** Shifts every value; drops those that are not dates; returns whether the attribute is still in the list. */
        private boolean shiftDates(AttributeList list, Attribute attribute) throws DicomException {
            String[] values = attribute.getStringValues();
            if (values == null || Arrays.stream(values).allMatch(String::isBlank)) {
                // an empty date is no date: Type 2 attributes stay valid as they are
                return true;
            }
            List<String> shifted = shifter.shiftAll(attribute.getVRAsString(), values);
            if (shifted.isEmpty()) {
                list.remove(attribute.getTag());
                return false;
            }
            attribute.removeValues();
            for (String value : shifted) {
                attribute.addValue(value);
            }
            return true;
        }

        private void recurse(SequenceAttribute sequence, Context context, String[] characterSet) throws DicomException {
            for (int i = 0; i < sequence.getNumberOfItems(); i++) {
                SequenceItem item = sequence.getItem(i);
                apply(item.getAttributeList(), context, characterSet);
            }
        }

        private static boolean isUnknownVr(Attribute attribute) {
            return "UN".equals(attribute.getVRAsString()) && !(attribute instanceof SequenceAttribute);
        }

        /**
         * Replaces a UN element by the same element read as {@code vr}; removes it and returns null
         * where no VR is known or its bytes are not a value of that VR, since opaque bytes cannot be
         * judged.
         */
        private Attribute readAs(AttributeList list, Attribute unknown, java.util.Optional<String> vr,
                                 String[] characterSet) {
            if (vr.filter("UN"::equals).isPresent()) {
                // PS3.6 itself gives UN (Selector UN Value): the table's action applies to the bytes
                return unknown;
            }
            Attribute read = vr.map(v -> UnknownVrReader.read(unknown, v, characterSet)).orElse(null);
            if (read == null) {
                list.remove(unknown.getTag());
                unreadable.add(tagOf(unknown.getTag()));
                return null;
            }
            list.put(read);
            return read;
        }

        /**
         * PS3.6's VR; for the command group, which PS3.7 defines and PS3.6 does not, PixelMed's
         * dictionary, which holds it.
         */
        private java.util.Optional<String> standardVr(AttributeTag tag) {
            java.util.Optional<String> vr = rules.dictionary().entry(tagOf(tag)).flatMap(DataDictionary.Entry::readingVr);
            if (vr.isPresent() || tag.getGroup() != 0x0000) {
                return vr;
            }
            byte[] known = com.pixelmed.dicom.DicomDictionary.StandardDictionary.getValueRepresentationFromTag(tag);
            return known == null ? java.util.Optional.empty()
                    : java.util.Optional.of(new String(known, java.nio.charset.StandardCharsets.US_ASCII));
        }

        private static String[] characterSetOf(AttributeList list, String[] inherited) throws DicomException {
            Attribute own = list.get(TagFromName.SpecificCharacterSet);
            String[] values = own == null ? null : own.getStringValues();
            return values != null && values.length > 0 ? values : inherited;
        }

        private static boolean conformsToVr(Attribute attribute) throws DicomException {
            String vr = attribute.getVRAsString();
            if (attribute instanceof SequenceAttribute || !ValueGrammar.applies(vr)) {
                return true;
            }
            String[] values = attribute.getStringValues();
            if (values == null) {
                return true;
            }
            for (String value : values) {
                if (!ValueGrammar.conforms(vr, value)) {
                    return false;
                }
            }
            return true;
        }

        /**
         * Cleans text; keeps codes, numbers and other non-text values, which carry no free text.
         * Returns false where the content cannot be cleaned (bitmaps such as overlay or curve data).
         */
        private boolean clean(Attribute attribute, String vr) throws DicomException {
            switch (vr) {
                case "LO", "LT", "SH", "ST", "UT", "UC" -> {
                    String[] values = attribute.getStringValues();
                    if (values == null) {
                        return true;
                    }
                    attribute.removeValues();
                    for (String value : values) {
                        attribute.addValue(ValueLimits.truncate(vr, cleaner.clean(value)));
                    }
                    return true;
                }
                case "PN" -> {
                    dummy(attribute, vr);
                    return true;
                }
                case "OB", "OW", "OF", "OD", "OL", "OV", "UN" -> {
                    return false;
                }
                default -> {
                    return true;
                }
            }
        }

        private void dummy(Attribute attribute, String vr) throws DicomException {
            if ("UI".equals(vr)) {
                remapUids(attribute);
                return;
            }
            String text = DummyValues.forStringVr(vr);
            int count = Math.max(1, attribute.getVM());
            attribute.removeValues();
            switch (vr) {
                case "OB", "UN" -> attribute.setValues(new byte[] {0, 0});
                case "OW" -> attribute.setValues(new short[] {0});
                case "US", "SS", "UL", "SL", "UV", "SV", "FL", "FD" -> {
                    for (int i = 0; i < count; i++) {
                        attribute.addValue(0);
                    }
                }
                default -> {
                    if (text != null) {
                        attribute.addValue(text);
                    }
                }
            }
        }

        private void remapUids(Attribute attribute) throws DicomException {
            String[] values = attribute.getStringValues();
            if (values == null) {
                return;
            }
            attribute.removeValues();
            for (String value : values) {
                attribute.addValue(uids.remap(value));
            }
        }

        private void replaceAll(Attribute attribute, String value) throws DicomException {
            attribute.removeValues();
            attribute.addValue(value);
        }
    }
}
