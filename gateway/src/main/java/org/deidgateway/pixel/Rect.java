package org.deidgateway.pixel;

/** A rectangle of pixels: {@code x}, {@code y} of its top left corner, then its size. */
public record Rect(int x, int y, int width, int height) {

    /** The part inside an image of {@code columns} × {@code rows}, or null when none is. */
    public Rect clippedTo(int columns, int rows) {
        int x0 = Math.max(0, x);
        int y0 = Math.max(0, y);
        int x1 = (int) Math.min(columns, (long) x + width);
        int y1 = (int) Math.min(rows, (long) y + height);
        return x1 > x0 && y1 > y0 ? new Rect(x0, y0, x1 - x0, y1 - y0) : null;
    }

    public Rect padded(int px) {
        return new Rect(x - px, y - px, width + 2 * px, height + 2 * px);
    }

    @Override
    public String toString() {
        return x + "," + y + "," + width + "x" + height;
    }
}
