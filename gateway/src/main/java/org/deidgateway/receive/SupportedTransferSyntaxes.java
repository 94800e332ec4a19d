package org.deidgateway.receive;

import java.util.Set;

/**
 * The transfer syntaxes the receiver accepts for storage. Native ones are read and rewritten;
 * compressed ones are passed through untouched (PixelMed reads them with decompression off).
 * The peer's order decides among those it proposes.
 */
public final class SupportedTransferSyntaxes {

    static final String IMPLICIT_VR_LITTLE_ENDIAN = "1.2.840.10008.1.2";
    static final String EXPLICIT_VR_LITTLE_ENDIAN = "1.2.840.10008.1.2.1";

    public static final Set<String> STORAGE = Set.of(
            IMPLICIT_VR_LITTLE_ENDIAN,
            EXPLICIT_VR_LITTLE_ENDIAN,
            "1.2.840.10008.1.2.1.99",  // Deflated Explicit VR Little Endian
            "1.2.840.10008.1.2.4.50",  // JPEG Baseline
            "1.2.840.10008.1.2.4.51",  // JPEG Extended
            "1.2.840.10008.1.2.4.57",  // JPEG Lossless
            "1.2.840.10008.1.2.4.70",  // JPEG Lossless SV1
            "1.2.840.10008.1.2.4.80",  // JPEG-LS Lossless
            "1.2.840.10008.1.2.4.81",  // JPEG-LS Near-Lossless
            "1.2.840.10008.1.2.4.90",  // JPEG 2000 Lossless
            "1.2.840.10008.1.2.4.91",  // JPEG 2000
            "1.2.840.10008.1.2.4.201", // HTJ2K Lossless
            "1.2.840.10008.1.2.4.202", // HTJ2K Lossless RPCL
            "1.2.840.10008.1.2.4.203", // HTJ2K
            "1.2.840.10008.1.2.5");    // RLE Lossless

    public static final Set<String> VERIFICATION = Set.of(IMPLICIT_VR_LITTLE_ENDIAN, EXPLICIT_VR_LITTLE_ENDIAN);

    private SupportedTransferSyntaxes() {
    }
}
