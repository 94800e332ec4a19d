package org.deidgateway.catalog;

import org.deidgateway.catalog.CatalogStore.Cell;
import org.deidgateway.catalog.CatalogStore.Dimension;
import org.deidgateway.catalog.CatalogStore.Range;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * One project's catalog as it may leave the hospital: every count of a value (or of a value within
 * a modality) that fewer than {@code minCell} patients share is withheld, its value too, and said
 * once per list as suppressed. Age and study-year ranges are taken from the shown cells only.
 * Pure: the counts come in, the report goes out.
 */
public record CatalogReport(String project, int minCell, Counts totals, List<Entry> sex, List<Entry> ageBands,
                            Integer ageLow, Integer ageHigh, List<Entry> studyYears, Integer studyYearLow, Integer studyYearHigh,
                            List<Entry> bodyParts, List<Modality> modalities, List<Entry> datasetTypes, List<Entry> sopClasses,
                            List<Entry> imageAnalyses, List<Entry> registrations) {

    public record Counts(long patients, long studies, long series, long instances) {
        static Counts of(Cell c) {
            return new Counts(c.patients(), c.studies(), c.series(), c.instances());
        }
    }

    /** A shown value with its counts, or (value null, counts null) the values withheld from one list. */
    public record Entry(String value, Counts counts) {
        public boolean suppressed() {
            return counts == null;
        }
    }

    /** One modality's counts and what is known of its acquisitions, each list suppressed on its own. */
    public record Modality(Entry modality, List<Entry> bodyParts, List<Entry> manufacturers, List<Entry> models,
                           List<Entry> fieldStrengths, List<Entry> contrast, Double sliceThicknessMin, Double sliceThicknessMax) {
    }

    /** What the store holds for one project, as {@link #of} needs it. */
    public record Input(Cell totals, Map<Dimension, List<Cell>> byDimension, Map<Dimension, List<Cell>> byModalityAnd,
                        List<Range> sliceThickness) {
        public static Input read(CatalogStore store, String project) throws org.deidgateway.store.StoreException {
            Map<Dimension, List<Cell>> single = new LinkedHashMap<>();
            for (Dimension d : Dimension.values()) {
                single.put(d, store.cells(project, d));
            }
            Map<Dimension, List<Cell>> within = new LinkedHashMap<>();
            for (Dimension d : WITHIN_MODALITY) {
                within.put(d, store.cells(project, Dimension.MODALITY, d));
            }
            return new Input(store.totals(project), single, within, store.sliceThickness(project));
        }
    }

    static final List<Dimension> WITHIN_MODALITY = List.of(Dimension.BODY_PART, Dimension.MANUFACTURER, Dimension.MODEL,
            Dimension.FIELD_STRENGTH, Dimension.CONTRAST);

    public static final String UNKNOWN = "unknown";

    public static CatalogReport of(String project, int minCell, Input in) {
        if (minCell < 1) {
            throw new IllegalArgumentException("--min-cell must be 1 or more, not " + minCell);
        }
        Function<Dimension, List<Entry>> shown = d -> entries(in.byDimension().getOrDefault(d, List.of()), minCell, 0);
        List<Entry> sex = entries(in.byDimension().getOrDefault(Dimension.SEX, List.of()), minCell, 0, CatalogReport::sexName);
        List<Entry> ages = shown.apply(Dimension.AGE_BAND);
        List<Entry> years = shown.apply(Dimension.STUDY_YEAR);
        List<Modality> modalities = new ArrayList<>();
        for (Entry modality : shown.apply(Dimension.MODALITY)) {
            if (modality.suppressed() || modality.value().equals(UNKNOWN)) {
                continue;
            }
            Map<Dimension, List<Entry>> lists = new LinkedHashMap<>();
            for (Dimension d : WITHIN_MODALITY) {
                List<Cell> ofThis = in.byModalityAnd().getOrDefault(d, List.of()).stream()
                        .filter(c -> c.values().get(0).equals(modality.value())).toList();
                lists.put(d, entries(ofThis, minCell, 1));
            }
            Range range = in.sliceThickness().stream().filter(r -> r.modality().equals(modality.value())
                    && r.patients() >= minCell).findFirst().orElse(null);
            modalities.add(new Modality(modality, lists.get(Dimension.BODY_PART), lists.get(Dimension.MANUFACTURER),
                    lists.get(Dimension.MODEL), lists.get(Dimension.FIELD_STRENGTH), lists.get(Dimension.CONTRAST),
                    range == null ? null : range.min(), range == null ? null : range.max()));
        }
        List<Entry> datasetTypes = shown.apply(Dimension.DATASET_TYPE);
        List<Entry> analyses = withoutUnknown(shown.apply(Dimension.IMAGE_ANALYSIS));
        // registrations: the SOP classes of registration objects, named
        List<Entry> sopClasses = entries(in.byDimension().getOrDefault(Dimension.SOP_CLASS, List.of()), minCell, 0);
        List<Entry> registrations = sopClasses.stream().filter(e -> !e.suppressed()
                && (e.value().startsWith("1.2.840.10008.5.1.4.1.1.66.1") || e.value().equals("1.2.840.10008.5.1.4.1.1.66.3"))).toList();
        return new CatalogReport(project, minCell, Counts.of(in.totals()), sex, ages, low(ages), high(ages), years,
                yearBound(years, true), yearBound(years, false), shown.apply(Dimension.BODY_PART), modalities, datasetTypes,
                sopClasses, analyses, registrations);
    }

    /** MIABIS 2.0's Sex values. */
    static String sexName(String code) {
        return switch (code) {
            case "F" -> "Female";
            case "M" -> "Male";
            case "O" -> "Undifferentiated";
            default -> "Unknown";
        };
    }

    private static List<Entry> entries(List<Cell> cells, int minCell, int valueIndex) {
        return entries(cells, minCell, valueIndex, v -> v.isEmpty() ? UNKNOWN : v);
    }

    private static List<Entry> entries(List<Cell> cells, int minCell, int valueIndex, Function<String, String> name) {
        Map<String, Cell> merged = new LinkedHashMap<>();
        boolean withheld = false;
        List<Entry> out = new ArrayList<>();
        for (Cell c : cells) {
            if (c.patients() < minCell) {
                withheld = true;
                continue;
            }
            String value = name.apply(c.values().get(valueIndex) == null ? "" : c.values().get(valueIndex));
            // two codes may share a name (no sex and an unknown one): their counts cannot be added, so both are withheld
            if (merged.putIfAbsent(value, c) != null) {
                merged.put(value, null);
            }
        }
        for (Map.Entry<String, Cell> e : merged.entrySet()) {
            if (e.getValue() == null) {
                withheld = true;
            } else {
                out.add(new Entry(e.getKey(), Counts.of(e.getValue())));
            }
        }
        if (withheld) {
            out.add(new Entry(null, null));
        }
        return List.copyOf(out);
    }

    private static List<Entry> withoutUnknown(List<Entry> entries) {
        return entries.stream().filter(e -> e.suppressed() || !e.value().equals(UNKNOWN)).toList();
    }

    private static Integer low(List<Entry> bands) {
        return bands.stream().filter(e -> !e.suppressed() && !e.value().equals(UNKNOWN))
                .map(e -> Integer.parseInt(e.value().split("[-+]")[0])).min(Integer::compare).orElse(null);
    }

    /** The oldest shown band's upper end; none when that band is the open one (90+). */
    private static Integer high(List<Entry> bands) {
        List<String> known = bands.stream().filter(e -> !e.suppressed() && !e.value().equals(UNKNOWN)).map(Entry::value).toList();
        if (known.stream().anyMatch(v -> v.endsWith("+"))) {
            return null;
        }
        return known.stream().map(v -> Integer.parseInt(v.split("-")[1])).max(Integer::compare).orElse(null);
    }

    private static Integer yearBound(List<Entry> years, boolean lowest) {
        return years.stream().filter(e -> !e.suppressed() && !e.value().equals(UNKNOWN)).map(e -> Integer.parseInt(e.value()))
                .reduce(lowest ? Math::min : Math::max).orElse(null);
    }
}
