package org.deidgateway.pixel;

/**
 * One word OCR read, with its box in the image's pixels and its confidence (0–100). {@code line}
 * groups the words of one text line (block, paragraph and line of the reading), so that a name or a
 * date split into words is judged as the line it is on.
 */
public record OcrWord(String text, Rect box, float confidence, String line) {
}
