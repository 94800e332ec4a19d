package org.deidgateway.pixel;

import org.deidgateway.receive.AssociationHandler;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Which classes count as pixels that show identity whatever Burned In Annotation says, and which not. */
class ScreenCaptureClassesTest {

    @Test
    void secondaryCaptureUltrasoundAndVisibleLightAreTakenToShowIdentity() {
        for (String uid : new String[] {"1.2.840.10008.5.1.4.1.1.7", "1.2.840.10008.5.1.4.1.1.7.4",
                "1.2.840.10008.5.1.4.1.1.6.1", "1.2.840.10008.5.1.4.1.1.3.1", "1.2.840.10008.5.1.4.1.1.77.1.4",
                "1.2.840.10008.5.1.4.1.1.77.1.6", "1.2.840.10008.5.1.4.1.1.77.1.5.1"}) {
            assertTrue(PixelCleaner.isScreenCaptureOrUltrasound(uid), uid);
        }
    }

    @Test
    void ophthalmicMeasurementsWithoutPixelsAndLookAlikeUidsAreNot() {
        for (String uid : new String[] {"1.2.840.10008.5.1.4.1.1.78.1", "1.2.840.10008.5.1.4.1.1.79.1",
                "1.2.840.10008.5.1.4.1.1.2", "1.2.840.10008.5.1.4.1.1.77", "1.2.840.10008.5.1.4.1.1.70"}) {
            assertFalse(PixelCleaner.isScreenCaptureOrUltrasound(uid), uid);
        }
    }

    @Test
    void aDicomdirIsNotAcceptedForStorageThoughPixelMedCallsItStorage() {
        assertFalse(AssociationHandler.acceptedForStorage("1.2.840.10008.1.3.10"));
        assertTrue(AssociationHandler.acceptedForStorage("1.2.840.10008.5.1.4.1.1.2"));
    }
}
