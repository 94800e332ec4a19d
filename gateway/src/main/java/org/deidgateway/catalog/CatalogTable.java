package org.deidgateway.catalog;

import org.deidgateway.catalog.CatalogReport.Entry;
import org.deidgateway.catalog.CatalogReport.Modality;

import java.util.List;

/** The report as plain text tables for {@code deid catalog show}. */
public final class CatalogTable {

    private CatalogTable() {
    }

    public static String render(CatalogReport r) {
        StringBuilder out = new StringBuilder();
        out.append("project ").append(r.project()).append(" (counts below ").append(r.minCell())
                .append(" patients withheld)\n");
        out.append(String.format("  %-34s %9s %9s %9s %9s%n", "", "PATIENTS", "STUDIES", "SERIES", "IMAGES"));
        line(out, "total", r.totals());
        section(out, "sex", r.sex());
        section(out, "age at study (years)", r.ageBands());
        section(out, "study year", r.studyYears());
        section(out, "body part examined", r.bodyParts());
        for (Modality m : r.modalities()) {
            out.append("  modality ").append(m.modality().value()).append('\n');
            line(out, "  all " + m.modality().value(), m.modality().counts());
            section(out, "  body part", m.bodyParts());
            section(out, "  manufacturer", m.manufacturers());
            section(out, "  model", m.models());
            section(out, "  field strength", m.fieldStrengths());
            section(out, "  contrast", m.contrast());
            if (m.sliceThicknessMin() != null) {
                out.append(String.format("    slice thickness %s to %s mm%n", m.sliceThicknessMin(), m.sliceThicknessMax()));
            }
        }
        section(out, "dataset type", r.datasetTypes());
        section(out, "SOP class", r.sopClasses().stream().map(e -> e.suppressed() ? e
                : new Entry(sopClassName(e.value()), e.counts())).toList());
        section(out, "image analysis", r.imageAnalyses());
        out.append('\n');
        return out.toString();
    }

    private static String sopClassName(String uid) {
        String name = com.pixelmed.dicom.SOPClassDescriptions.getDescriptionFromUID(uid);
        return name == null || name.isBlank() ? uid : name;
    }

    private static void section(StringBuilder out, String title, List<Entry> entries) {
        if (entries.isEmpty()) {
            return;
        }
        out.append("  ").append(title).append('\n');
        for (Entry e : entries) {
            if (e.suppressed()) {
                out.append(String.format("    %-32s %9s%n", "(rarer values withheld)", ""));
            } else {
                line(out, "  " + e.value(), e.counts());
            }
        }
    }

    private static void line(StringBuilder out, String label, CatalogReport.Counts c) {
        String shown = label.length() > 32 ? label.substring(0, 31) + "~" : label;
        out.append(String.format("  %-34s %9d %9d %9d %9d%n", shown, c.patients(), c.studies(), c.series(), c.instances()));
    }
}
