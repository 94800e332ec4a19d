package org.deidgateway.cli;

/**
 * A progress bar on stderr, drawn only when a person is watching (a terminal); redirected output
 * gets the summary line alone.
 */
final class Progress {

    private static final int WIDTH = 30;
    private final int total;
    private final boolean visible;
    private final long started = System.nanoTime();
    private long lastDrawn;

    Progress(int total) {
        this.total = total;
        this.visible = System.console() != null && System.getenv("DEID_NO_PROGRESS") == null;
    }

    void step(int ok, int failed) {
        if (!visible) {
            return;
        }
        long now = System.nanoTime();
        int processed = ok + failed;
        if (processed < total && now - lastDrawn < 100_000_000L) {
            return;
        }
        lastDrawn = now;
        int filled = total == 0 ? WIDTH : (int) ((long) WIDTH * processed / total);
        double seconds = Math.max(1e-3, (now - started) / 1e9);
        System.err.printf("\r[%s%s] %d/%d  %d failed  %.0f files/s ", "#".repeat(filled), " ".repeat(WIDTH - filled),
                processed, total, failed, processed / seconds);
    }

    void finish() {
        if (visible) {
            System.err.println();
        }
    }
}
