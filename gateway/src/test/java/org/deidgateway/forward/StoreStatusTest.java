package org.deidgateway.forward;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Which statuses the queue retries and which it gives up on. */
class StoreStatusTest {

    @Test
    void successAndWarningsMeanStored() {
        for (int code : new int[] {0x0000, 0xB000, 0xB006, 0xB007}) {
            StoreStatus s = new StoreStatus(code, "");
            assertTrue(s.stored(), Integer.toHexString(code));
            assertFalse(s.permanent());
        }
        assertEquals(StoreStatus.Outcome.WARNING, new StoreStatus(0xB007, "").outcome());
    }

    @Test
    void outOfResourcesAndProcessingFailuresAreWorthAnotherTry() {
        for (int code : new int[] {0xA700, 0xA7FF, 0x0110, 0x0213, 0xFE00, 0xA123}) {
            StoreStatus s = new StoreStatus(code, "");
            assertFalse(s.stored(), Integer.toHexString(code));
            assertFalse(s.permanent(), Integer.toHexString(code));
        }
    }

    @Test
    void aDataSetThePeerCannotTakeIsPermanent() {
        for (int code : new int[] {0xA900, 0xA9FF, 0xC000, 0xCFFF, 0x0122, 0x0124, 0x0111}) {
            StoreStatus s = new StoreStatus(code, "");
            assertFalse(s.stored(), Integer.toHexString(code));
            assertTrue(s.permanent(), Integer.toHexString(code));
        }
        assertEquals("0xA900 (failure, permanent): wrong IOD", new StoreStatus(0xA900, "wrong IOD").describe());
    }
}
