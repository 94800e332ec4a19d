package org.deidgateway.curate;

import org.junit.jupiter.api.Test;

import java.time.LocalDate;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CaseSummaryTest {

    private static HeldInstance held(String study, String modality, String date) {
        return new HeldInstance("lung", "LUNG-X", study, study + ".1", study + ".1." + date + modality, "1.2.840.10008.5.1.4.1.1.2",
                modality, date, "f");
    }

    @Test
    void countsStudiesModalitiesAndTheSpanBetweenFirstAndLastStudy() {
        CaseSummary c = CaseSummary.of("lung", "LUNG-X", List.of(held("1.1", "CT", "20200115"), held("1.1", "CT", "20200115"),
                held("1.2", "MR", "20210114"), held("1.3", "", "")));
        assertEquals(3, c.studies());
        assertEquals(4, c.instances());
        assertEquals(List.of("CT", "MR"), List.copyOf(c.modalities()));
        assertEquals(Optional.of(LocalDate.of(2020, 1, 15)), c.firstStudy());
        assertEquals(Optional.of(LocalDate.of(2021, 1, 14)), c.lastStudy());
        assertEquals(Optional.of(11L), c.followUpMonths());
        assertTrue(c.meetsFollowUp(11));
        assertFalse(c.meetsFollowUp(12), "one day short of 12 months");
        assertTrue(c.meetsFollowUp(0), "no criterion");
    }

    @Test
    void aCaseWithoutReadableDatesMeetsNoFollowUpCriterion() {
        CaseSummary c = CaseSummary.of("lung", "LUNG-X", List.of(held("1.1", "CT", "2020"), held("1.2", "CT", "20201340")));
        assertEquals(Optional.empty(), c.followUpMonths());
        assertFalse(c.meetsFollowUp(1));
        assertTrue(c.meetsFollowUp(0));
    }
}
