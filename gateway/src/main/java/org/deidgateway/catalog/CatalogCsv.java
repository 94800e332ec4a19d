package org.deidgateway.catalog;

import org.deidgateway.catalog.CatalogReport.Entry;
import org.deidgateway.catalog.CatalogReport.Modality;

import java.util.List;

/** The report as one CSV table: a row per shown count, and a row per list whose rare values were withheld. */
final class CatalogCsv {

    private CatalogCsv() {
    }

    static String write(CatalogExport.Biobank biobank, List<CatalogReport> reports) {
        StringBuilder out = new StringBuilder("biobank,collection,section,modality,value,patients,studies,series,images,suppressed\n");
        for (CatalogReport r : reports) {
            String collection = biobank.id() + ":collection:" + r.project();
            row(out, biobank, collection, "total", "", new Entry("all", r.totals()));
            rows(out, biobank, collection, "sex", "", r.sex());
            rows(out, biobank, collection, "age band", "", r.ageBands());
            rows(out, biobank, collection, "study year", "", r.studyYears());
            rows(out, biobank, collection, "body part examined", "", r.bodyParts());
            for (Modality m : r.modalities()) {
                String modality = m.modality().value();
                row(out, biobank, collection, "modality", modality, m.modality());
                rows(out, biobank, collection, "body part examined", modality, m.bodyParts());
                rows(out, biobank, collection, "manufacturer", modality, m.manufacturers());
                rows(out, biobank, collection, "manufacturer model name", modality, m.models());
                rows(out, biobank, collection, "magnetic field strength", modality, m.fieldStrengths());
                rows(out, biobank, collection, "contrast", modality, m.contrast());
            }
            rows(out, biobank, collection, "dataset type", "", r.datasetTypes());
            rows(out, biobank, collection, "sop class", "", r.sopClasses());
            rows(out, biobank, collection, "image analysis", "", r.imageAnalyses());
        }
        return out.toString();
    }

    private static void rows(StringBuilder out, CatalogExport.Biobank b, String collection, String section, String modality,
                             List<Entry> entries) {
        for (Entry e : entries) {
            row(out, b, collection, section, modality, e);
        }
    }

    private static void row(StringBuilder out, CatalogExport.Biobank b, String collection, String section, String modality, Entry e) {
        out.append(field(b.id())).append(',').append(field(collection)).append(',').append(field(section)).append(',')
                .append(field(modality)).append(',');
        if (e.suppressed()) {
            out.append(",,,,,yes\n");
        } else {
            out.append(field(e.value())).append(',').append(e.counts().patients()).append(',').append(e.counts().studies())
                    .append(',').append(e.counts().series()).append(',').append(e.counts().instances()).append(",no\n");
        }
    }

    /** RFC 4180 quoting; a leading =, +, - or @ is quoted too, so a spreadsheet does not take a value for a formula. */
    static String field(String value) {
        boolean formula = !value.isEmpty() && "=+-@".indexOf(value.charAt(0)) >= 0;
        if (formula || value.contains(",") || value.contains("\"") || value.contains("\n") || value.contains("\r")) {
            return "\"" + (formula ? "'" : "") + value.replace("\"", "\"\"") + "\"";
        }
        return value;
    }
}
