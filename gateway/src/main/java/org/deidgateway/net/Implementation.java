package org.deidgateway.net;

/** Who we are on the wire and in file meta information: one value for association requests, accepts and files. */
public final class Implementation {

    public static final String CLASS_UID = "1.2.826.0.1.3680043.10.1329.1";
    public static final String VERSION_NAME = "DEIDGW_010";

    private Implementation() {
    }
}
