package org.deidgateway.config;

import java.nio.file.Path;

/** Where things live in an installation's home directory. */
public record HomeLayout(Path home) {

    public Path configFile() { return home.resolve("deid.yaml"); }
    public Path keystore() { return home.resolve("keystore.p12"); }
    public Path profiles() { return home.resolve("profiles"); }
    public Path database() { return home.resolve("deid.db"); }
}
