package org.deidgateway.pipeline;

import com.pixelmed.dicom.Attribute;
import com.pixelmed.dicom.AttributeList;
import com.pixelmed.dicom.TagFromName;

import java.util.Optional;

/**
 * Objects whose pixels may show identity: the profile cleans attributes, not pixels. Burned In
 * Annotation = YES, and Secondary Capture, Ultrasound and Visible Light objects (screenshots and scanned
 * documents, probes with patient names on screen, photographs) unless the project accepts them, are held back.
 */
final class QuarantineRules {

    private QuarantineRules() {
    }

    static Optional<String> reasonToHold(AttributeList dataset, String sopClassUid, boolean acceptsScreenCaptures) {
        String burnedIn = Attribute.getSingleStringValueOrEmptyString(dataset, TagFromName.BurnedInAnnotation).trim();
        if (burnedIn.equalsIgnoreCase("YES")) {
            return Optional.of("Burned In Annotation is YES: pixel data may show identifying text");
        }
        // screenshots often say NO and still show a name: only the project's explicit acceptance counts
        if (!acceptsScreenCaptures && isScreenCaptureOrUltrasound(sopClassUid)) {
            return Optional.of("Secondary Capture, Ultrasound or Visible Light object, and the project does not accept them "
                    + "(accept-screen-captures): pixel data may show identifying text");
        }
        return Optional.empty();
    }

    static boolean isScreenCaptureOrUltrasound(String sopClassUid) {
        return org.deidgateway.pixel.PixelCleaner.isScreenCaptureOrUltrasound(sopClassUid);
    }
}
