package org.deidgateway.metrics;

import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A failure that repeats as long as its cause lasts (no file descriptor left, a full disk), while
 * the code that meets it retries many times a second: said once, then once a minute with the count
 * of failed attempts, and once more when it is over. A line per attempt would flood the log and
 * bury what came before it. The outage ends with the first success after {@code quiet} without a
 * failure (zero: the first success).
 * <p>
 * The reasons passed in are logged as they are: callers pass words without file paths or
 * anything from a data set. Not thread-safe: one instance per retrying thread.
 */
public final class RepeatedFailure {

    public static final Duration REMINDER = Duration.ofMinutes(1);

    private final Logger log;
    private final Logger.Level level;
    private final String failing;
    private final String stillFailing;
    private final String working;
    private final long quietNanos;
    private final long reminderNanos;
    private long failures;
    private long started;
    private long lastFailure;
    private long lastLogged;

    /**
     * {@code failing} opens the first line ("cannot accept DICOM connections"), {@code stillFailing}
     * the reminders, {@code working} the line at the end ("accepting DICOM connections again").
     */
    public RepeatedFailure(Logger log, Logger.Level level, String failing, String stillFailing, String working,
                           Duration quiet) {
        this(log, level, failing, stillFailing, working, quiet, REMINDER);
    }

    RepeatedFailure(Logger log, Logger.Level level, String failing, String stillFailing, String working, Duration quiet,
                    Duration reminder) {
        this.log = log;
        this.level = level;
        this.failing = failing;
        this.stillFailing = stillFailing;
        this.working = working;
        this.quietNanos = quiet.toNanos();
        this.reminderNanos = reminder.toNanos();
    }

    public void failed(String reason) {
        long now = System.nanoTime();
        if (failures++ == 0) {
            started = now;
            lastLogged = now;
            log.logf(level, "%s: %s (logged again once a minute while it lasts)", failing, reason);
        } else if (now - lastLogged >= reminderNanos) {
            lastLogged = now;
            log.logf(level, "%s: %d attempts failed in %d s (last: %s)", stillFailing, failures,
                    TimeUnit.NANOSECONDS.toSeconds(now - started), reason);
        }
        lastFailure = now;
    }

    public void succeeded() {
        if (failures > 0 && System.nanoTime() - lastFailure >= quietNanos) {
            long millis = TimeUnit.NANOSECONDS.toMillis(lastFailure - started) + 1;
            log.infof("%s; %d attempts failed in %s", working, failures, millis < 10_000 ? millis + " ms" : millis / 1000 + " s");
            failures = 0;
        }
    }

    /** Failed attempts in the outage going on (0: none). */
    public long failures() {
        return failures;
    }
}
