package org.deidgateway.catalog;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import org.deidgateway.catalog.CatalogReport.Entry;
import org.deidgateway.catalog.CatalogReport.Modality;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A catalog report written as DICOM-MIABIS records (Biobank, Collection with its Image
 * Collection; docs/catalog.md names where each field comes from) in JSON, CSV or Turtle. The
 * attribute names follow MIABIS 2.0 Core and the DICOM-MIABIS model; counts are per entry.
 */
public final class CatalogExport {

    public enum Format {
        MIABIS_JSON("miabis-json"), CSV("csv"), TURTLE("turtle");

        public final String option;

        Format(String option) {
            this.option = option;
        }

        public static Format parse(String option) {
            for (Format f : values()) {
                if (f.option.equals(option)) {
                    return f;
                }
            }
            throw new IllegalArgumentException("--format must be miabis-json, csv or turtle, not '" + option + "'");
        }
    }

    /** The biobank the collections belong to: MIABIS-2.0-01 to -08, as hospital IT states them. */
    public record Biobank(String id, String acronym, String name, String url, String juristicPerson, String country,
                          String description) {
    }

    public static final String FORMAT_NAME = "deid-gateway DICOM-MIABIS catalog";
    public static final int FORMAT_VERSION = 1;

    private CatalogExport() {
    }

    public static String write(Format format, Biobank biobank, List<CatalogReport> reports, String generatedAt) {
        Map<String, Object> tree = tree(biobank, reports, generatedAt);
        return switch (format) {
            case MIABIS_JSON -> json(tree);
            case CSV -> CatalogCsv.write(biobank, reports);
            case TURTLE -> CatalogTurtle.write(tree);
        };
    }

    static Map<String, Object> tree(Biobank biobank, List<CatalogReport> reports, String generatedAt) {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("Format", FORMAT_NAME);
        root.put("FormatVersion", FORMAT_VERSION);
        root.put("GeneratedAt", generatedAt);
        root.put("MinCell", reports.isEmpty() ? null : reports.get(0).minCell());
        Map<String, Object> b = new LinkedHashMap<>();
        b.put("ID", biobank.id());
        putIf(b, "Acronym", biobank.acronym());
        b.put("Name", biobank.name());
        putIf(b, "URL", biobank.url());
        putIf(b, "JuristicPerson", biobank.juristicPerson());
        putIf(b, "Country", biobank.country());
        putIf(b, "Description", biobank.description());
        root.put("Biobank", b);
        List<Object> collections = new ArrayList<>();
        for (CatalogReport r : reports) {
            collections.add(collection(biobank, r));
        }
        root.put("Collections", collections);
        return root;
    }

    private static Map<String, Object> collection(Biobank biobank, CatalogReport r) {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("ID", biobank.id() + ":collection:" + r.project());
        c.put("BiobankID", biobank.id());
        c.put("Acronym", r.project().toUpperCase(Locale.ROOT));
        c.put("Name", r.project());
        c.put("Description", "De-identified imaging of project " + r.project() + ", counted by deid-gateway from the copies it"
                + " forwarded; counts below " + r.minCell() + " patients are withheld.");
        c.put("Sex", r.sex().stream().filter(e -> !e.suppressed()).map(Entry::value).toList());
        c.put("AgeLow", r.ageLow());
        c.put("AgeHigh", r.ageHigh());
        c.put("AgeUnit", "years");
        c.put("DataCategories", List.of("Imaging data"));
        c.put("TotalNumberOfParticipants", r.totals().patients());
        c.put("SexCounts", entries(r.sex()));
        c.put("AgeBands", entries(r.ageBands()));
        Map<String, Object> image = new LinkedHashMap<>();
        image.put("NumberOfPatients", r.totals().patients());
        image.put("NumberOfStudies", r.totals().studies());
        image.put("NumberOfSeries", r.totals().series());
        image.put("NumberOfImages", r.totals().instances());
        image.put("StudyYearLow", r.studyYearLow());
        image.put("StudyYearHigh", r.studyYearHigh());
        image.put("StudyYears", entries(r.studyYears()));
        image.put("BodyPartExamined", entries(r.bodyParts()));
        List<Object> modalities = new ArrayList<>();
        for (Modality m : r.modalities()) {
            Map<String, Object> mi = new LinkedHashMap<>();
            mi.put("Modality", m.modality().value());
            mi.putAll(counts(m.modality()));
            mi.put("BodyPartExamined", entries(m.bodyParts()));
            mi.put("Manufacturer", entries(m.manufacturers()));
            mi.put("ManufacturerModelName", entries(m.models()));
            mi.put("MagneticFieldStrength", entries(m.fieldStrengths()));
            mi.put("Contrast", entries(m.contrast()));
            mi.put("SliceThicknessMin", m.sliceThicknessMin());
            mi.put("SliceThicknessMax", m.sliceThicknessMax());
            modalities.add(mi);
        }
        image.put("ModalityInformation", modalities);
        image.put("DatasetType", entries(r.datasetTypes()));
        image.put("SOPClasses", sopClasses(r.sopClasses()));
        image.put("ImageAnalysis", entries(r.imageAnalyses()));
        image.put("RegistrationParameters", sopClasses(r.registrations()));
        c.put("ImageCollection", image);
        return c;
    }

    static List<Object> entries(List<Entry> entries) {
        List<Object> out = new ArrayList<>();
        for (Entry e : entries) {
            Map<String, Object> m = new LinkedHashMap<>();
            if (e.suppressed()) {
                m.put("Suppressed", true);
            } else {
                m.put("Value", e.value());
                m.putAll(counts(e));
            }
            out.add(m);
        }
        return out;
    }

    private static List<Object> sopClasses(List<Entry> entries) {
        List<Object> out = entries(entries);
        for (int i = 0; i < entries.size(); i++) {
            if (!entries.get(i).suppressed()) {
                @SuppressWarnings("unchecked")
                Map<String, Object> m = (Map<String, Object>) out.get(i);
                String name = com.pixelmed.dicom.SOPClassDescriptions.getDescriptionFromUID(entries.get(i).value());
                m.put("Name", name == null || name.isBlank() ? entries.get(i).value() : name);
            }
        }
        return out;
    }

    private static Map<String, Object> counts(Entry e) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("Patients", e.counts().patients());
        m.put("Studies", e.counts().studies());
        m.put("Series", e.counts().series());
        m.put("Images", e.counts().instances());
        return m;
    }

    private static void putIf(Map<String, Object> m, String key, String value) {
        if (value != null && !value.isBlank()) {
            m.put(key, value);
        }
    }

    private static String json(Map<String, Object> tree) {
        try {
            return new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(tree) + "\n";
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("a tree of maps, lists and scalars always serializes", e);
        }
    }
}
