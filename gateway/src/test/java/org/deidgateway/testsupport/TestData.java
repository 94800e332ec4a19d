package org.deidgateway.testsupport;

import java.nio.file.Files;
import java.nio.file.Path;

/** Where the tests find real DICOM files and the repository's data. */
public final class TestData {

    /** pydicom's test files, from Debian's python3-pydicom, installed by ./test.sh. */
    public static final Path PYDICOM_FILES = Path.of("/usr/lib/python3/dist-packages/pydicom/data/test_files");

    private TestData() {
    }

    public static Path pydicom(String name) {
        Path file = PYDICOM_FILES.resolve(name);
        if (!Files.isRegularFile(file)) {
            throw new IllegalStateException(file + " is missing: run ./test.sh, which installs python3-pydicom");
        }
        return file;
    }

    public static Path repoRoot() {
        return Path.of(System.getProperty("deid.repo.root", "..")).toAbsolutePath().normalize();
    }

    /** A fixed project master secret: tests must be reproducible. */
    public static byte[] secret(int seed) {
        byte[] secret = new byte[32];
        for (int i = 0; i < secret.length; i++) {
            secret[i] = (byte) (seed * 31 + i);
        }
        return secret;
    }
}
