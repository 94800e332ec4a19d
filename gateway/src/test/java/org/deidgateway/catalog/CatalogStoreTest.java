package org.deidgateway.catalog;

import org.deidgateway.store.Database;
import org.deidgateway.testsupport.TestDatabases;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The catalog in the database: distinct counts, an instance counted once, no pseudonym or UID stored. */
class CatalogStoreTest {

    @TempDir
    Path dir;

    @Test
    void countsDistinctPatientsStudiesSeriesAndInstancesOnce() throws Exception {
        try (Database db = TestDatabases.open(dir.resolve("deid.db"))) {
            CatalogStore store = new CatalogStore(db);
            db.inTransaction(c -> {
                store.record(c, "lung", facts("LUNG-AAAA", "2.25.1", "2.25.11", "2.25.111", "CT", "F"));
                store.record(c, "lung", facts("LUNG-AAAA", "2.25.1", "2.25.11", "2.25.112", "CT", "F"));
                store.record(c, "lung", facts("LUNG-AAAA", "2.25.1", "2.25.11", "2.25.112", "CT", "F")); // sent twice
                store.record(c, "lung", facts("LUNG-BBBB", "2.25.2", "2.25.21", "2.25.211", "MR", "M"));
                store.record(c, "other", facts("OTHER-CCCC", "2.25.3", "2.25.31", "2.25.311", "MR", "M"));
                return null;
            });
            CatalogStore.Cell totals = store.totals("lung");
            assertEquals(List.of(2L, 2L, 2L, 3L), List.of(totals.patients(), totals.studies(), totals.series(), totals.instances()));
            List<CatalogStore.Cell> byModality = store.cells("lung", CatalogStore.Dimension.MODALITY);
            assertEquals(List.of("CT", "MR"), byModality.stream().map(c -> c.values().get(0)).toList());
            assertEquals(2, byModality.get(0).instances());
            assertEquals(List.of("lung", "other"), store.projects());
            // neither a pseudonym nor a UID is in the table
            String rows = db.read(c -> {
                StringBuilder all = new StringBuilder();
                try (var rs = c.createStatement().executeQuery("SELECT * FROM catalog_instance")) {
                    while (rs.next()) {
                        for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
                            all.append(rs.getString(i)).append('|');
                        }
                    }
                }
                return all.toString();
            });
            assertFalse(rows.contains("LUNG-AAAA") || rows.contains("2.25.111") || rows.contains("2.25.1|"), rows);
            assertTrue(rows.contains("CT|"));
        }
    }

    private static CatalogFacts facts(String patient, String study, String series, String instance, String modality, String sex) {
        return new CatalogFacts(patient, study, series, instance, modality, "CHEST", CatalogFacts.ORIGINAL, "",
                "1.2.840.10008.5.1.4.1.1.2", "ACME", "Scanner", "", 1.25, false, sex, "50-59", "2020");
    }
}
