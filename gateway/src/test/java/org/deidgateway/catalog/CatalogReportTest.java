package org.deidgateway.catalog;

import org.deidgateway.catalog.CatalogReport.Entry;
import org.deidgateway.catalog.CatalogStore.Cell;
import org.deidgateway.catalog.CatalogStore.Dimension;
import org.junit.jupiter.api.Test;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Small cells: a value, or a value within a modality, that fewer than min-cell patients share is withheld. */
class CatalogReportTest {

    @Test
    void aCombinationHeldByOnePatientIsWithheldWhileItsCommonPartsAreShown() {
        Map<Dimension, List<Cell>> single = new EnumMap<>(Dimension.class);
        single.put(Dimension.MODALITY, List.of(cell("CT", 6), cell("MR", 6)));
        single.put(Dimension.BODY_PART, List.of(cell("CHEST", 6), cell("KNEE", 6)));
        single.put(Dimension.SEX, List.of(cell("F", 5), cell("M", 7)));
        single.put(Dimension.AGE_BAND, List.of(cell("40-49", 6), cell("50-59", 5), cell("90+", 1)));
        // within MR, one patient had the chest examined: MR + CHEST is that patient's own combination
        Map<Dimension, List<Cell>> within = new EnumMap<>(Dimension.class);
        within.put(Dimension.BODY_PART, List.of(cell2("CT", "CHEST", 5), cell2("CT", "KNEE", 1), cell2("MR", "CHEST", 1),
                cell2("MR", "KNEE", 5)));
        CatalogReport r = CatalogReport.of("lung", 5, new CatalogReport.Input(new Cell(List.of(), 12, 12, 12, 40), single,
                within, List.of()));

        CatalogReport.Modality mr = r.modalities().stream().filter(m -> m.modality().value().equals("MR")).findFirst().orElseThrow();
        assertEquals(List.of("KNEE"), mr.bodyParts().stream().filter(e -> !e.suppressed()).map(Entry::value).toList());
        assertTrue(mr.bodyParts().get(mr.bodyParts().size() - 1).suppressed(), "said that something was withheld");
        assertEquals(2, r.bodyParts().size(), "both body parts are common across the collection");
        assertEquals(List.of("Female", "Male"), r.sex().stream().map(Entry::value).toList());
        assertEquals(40, r.ageLow());
        assertEquals(59, r.ageHigh(), "the one patient over 90 sets no bound");
        assertTrue(r.ageBands().stream().noneMatch(e -> "90+".equals(e.value())));

        String json = CatalogExport.write(CatalogExport.Format.MIABIS_JSON,
                new CatalogExport.Biobank("ES_TEST", null, "Test", null, null, "ES", null), List.of(r), "2026-12-07T00:00:00Z");
        assertFalse(json.contains("\"Patients\" : 1,"), json);
        assertTrue(json.contains("\"Suppressed\" : true"), json);
    }

    @Test
    void withMinCellOneEverythingIsShownAndBelowOneIsRefused() {
        Map<Dimension, List<Cell>> single = new EnumMap<>(Dimension.class);
        single.put(Dimension.MODALITY, List.of(cell("MR", 1)));
        CatalogReport r = CatalogReport.of("p", 1, new CatalogReport.Input(new Cell(List.of(), 1, 1, 1, 1), single,
                new EnumMap<>(Dimension.class), List.of()));
        assertEquals("MR", r.modalities().get(0).modality().value());
        assertNull(r.ageLow());
        assertThrows(IllegalArgumentException.class, () -> CatalogReport.of("p", 0, new CatalogReport.Input(
                new Cell(List.of(), 1, 1, 1, 1), single, new EnumMap<>(Dimension.class), List.of())));
    }

    @Test
    void csvAndTurtleKeepValuesFromBreakingTheirSyntax() {
        assertEquals("\"'=HYPERLINK(1)\"", CatalogCsv.field("=HYPERLINK(1)"));
        assertEquals("\"a,b\"", CatalogCsv.field("a,b"));
        assertEquals("x\\\"y\\n", CatalogTurtle.escape("x\"y\n"));
    }

    private static Cell cell(String value, long patients) {
        return new Cell(List.of(value), patients, patients, patients, patients * 2);
    }

    private static Cell cell2(String a, String b, long patients) {
        return new Cell(List.of(a, b), patients, patients, patients, patients * 2);
    }
}
