package org.deidgateway.pixel;

/**
 * One decoded frame in memory: every sample's raw word as stored (bits outside Bits Stored
 * included), pixel after pixel, so that writing native data back gives the same bytes.
 */
public final class Frame {
    private final int rows;
    private final int columns;
    private final int samples;
    private final int[] words;

    Frame(int rows, int columns, int samples, int[] words) {
        if (words.length != rows * columns * samples) {
            throw new IllegalArgumentException("frame of " + words.length + " samples for " + columns + "x" + rows);
        }
        this.rows = rows;
        this.columns = columns;
        this.samples = samples;
        this.words = words;
    }

    public int rows() {
        return rows;
    }

    public int columns() {
        return columns;
    }

    public int samples() {
        return samples;
    }

    public int sample(int x, int y, int s) {
        return words[(y * columns + x) * samples + s];
    }

    public void set(int x, int y, int s, int v) {
        words[(y * columns + x) * samples + s] = v;
    }

    int[] words() {
        return words;
    }

    /** Sets every sample inside {@code r} (clipped to the frame) to the raw words given per sample. */
    public void fill(Rect r, int[] valuePerSample) {
        Rect c = r.clippedTo(columns, rows);
        if (c == null) {
            return;
        }
        for (int y = c.y(); y < c.y() + c.height(); y++) {
            int at = (y * columns + c.x()) * samples;
            for (int x = 0; x < c.width(); x++) {
                for (int s = 0; s < samples; s++) {
                    words[at++] = valuePerSample[s];
                }
            }
        }
    }
}
