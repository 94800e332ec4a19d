package org.deidgateway.forward;

import org.junit.jupiter.api.Test;

import java.util.Collections;
import java.util.List;
import java.util.function.ToLongFunction;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class BatchLimitsTest {

    private static final ToLongFunction<Long> SIZE = Long::longValue;

    @Test
    void aBatchStopsAtTheCountBound() {
        assertEquals(25, BatchLimits.STOW_RS_DEFAULT.firstBatchSize(Collections.nCopies(60, 1000L), SIZE));
        assertEquals(3, new BatchLimits(25, 1000).firstBatchSize(List.of(1L, 1L, 1L), SIZE));
    }

    @Test
    void aBatchStopsBeforeTheObjectThatWouldPassTheByteBound() {
        BatchLimits limits = new BatchLimits(25, 100);
        assertEquals(2, limits.firstBatchSize(List.of(40L, 60L, 1L), SIZE), "exactly at the bound");
        assertEquals(2, limits.firstBatchSize(List.of(40L, 50L, 20L), SIZE));
    }

    @Test
    void anObjectLargerThanTheBoundGoesAlone() {
        BatchLimits limits = new BatchLimits(25, 100);
        assertEquals(1, limits.firstBatchSize(List.of(500L, 1L), SIZE));
        assertEquals(1, limits.firstBatchSize(List.of(10L, 500L), SIZE), "the large one waits for the next batch");
        assertEquals(0, limits.firstBatchSize(List.<Long>of(), SIZE));
    }

    @Test
    void boundsMustBePositive() {
        assertThrows(IllegalArgumentException.class, () -> new BatchLimits(0, 1));
        assertThrows(IllegalArgumentException.class, () -> new BatchLimits(1, 0));
    }
}
