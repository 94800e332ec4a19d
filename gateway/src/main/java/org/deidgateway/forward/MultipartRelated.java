package org.deidgateway.forward;

import java.io.FileNotFoundException;
import java.net.http.HttpRequest.BodyPublisher;
import java.net.http.HttpRequest.BodyPublishers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * A {@code multipart/related; type="application/dicom"} body (RFC 2387, PS3.18 8.6.1.2): each part
 * is one Part 10 file, read from disk while the request is sent, so a batch never sits in memory.
 * The boundary holds 128 random bits: that a de-identified file contains it by chance is not a
 * case worth scanning every file for.
 */
final class MultipartRelated {

    static final String PART_TYPE = "application/dicom";
    private static final SecureRandom RANDOM = new SecureRandom();

    private final String boundary;

    MultipartRelated(String boundary) {
        this.boundary = boundary;
    }

    static MultipartRelated withRandomBoundary() {
        byte[] bits = new byte[16];
        RANDOM.nextBytes(bits);
        return new MultipartRelated("deid-" + HexFormat.of().formatHex(bits));
    }

    String boundary() {
        return boundary;
    }

    String contentType() {
        return "multipart/related; type=\"" + PART_TYPE + "\"; boundary=" + boundary;
    }

    /** The body; its length is known in advance, so the request carries a Content-Length. */
    BodyPublisher body(List<Path> files) throws FileNotFoundException {
        List<BodyPublisher> parts = new ArrayList<>(2 * files.size() + 1);
        String separator = "";
        for (Path file : files) {
            parts.add(ascii(separator + "--" + boundary + "\r\nContent-Type: " + PART_TYPE + "\r\n\r\n"));
            parts.add(BodyPublishers.ofFile(file));
            separator = "\r\n";
        }
        parts.add(ascii("\r\n--" + boundary + "--\r\n"));
        return BodyPublishers.concat(parts.toArray(BodyPublisher[]::new));
    }

    private static BodyPublisher ascii(String text) {
        return BodyPublishers.ofByteArray(text.getBytes(StandardCharsets.US_ASCII));
    }
}
