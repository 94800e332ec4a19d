package org.deidgateway.metrics;

import org.deidgateway.testsupport.LogCapture;
import org.jboss.logging.Logger;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The log lines of an outage: the first failure, reminders at their interval with the count, the end. */
class RepeatedFailureTest {

    private static final String NAME = "org.deidgateway.metrics.RepeatedFailureTest.outage";

    @Test
    void anOutageIsSaidOnceThenRemindedWithItsCountThenEnded() throws Exception {
        try (LogCapture log = LogCapture.of(NAME)) {
            RepeatedFailure failure = new RepeatedFailure(Logger.getLogger(NAME), Logger.Level.ERROR, "cannot do it",
                    "still cannot do it", "doing it again", Duration.ZERO, Duration.ofMillis(300));
            for (int i = 0; i < 100; i++) {
                failure.failed("disk full");
            }
            Thread.sleep(350);
            failure.failed("disk full");
            failure.failed("disk full");
            failure.succeeded();
            failure.succeeded();
            List<String> lines = log.lines().stream().map(LogCapture.Line::message).toList();
            assertEquals(3, lines.size(), lines.toString());
            assertEquals("cannot do it: disk full (logged again once a minute while it lasts)", lines.get(0));
            assertTrue(lines.get(1).startsWith("still cannot do it: 101 attempts failed in 0 s (last: disk full)"), lines.get(1));
            assertTrue(lines.get(2).matches("doing it again; 102 attempts failed in \\d+ ms"), lines.get(2));
            assertTrue(log.lines().get(0).warnOrWorse() && !log.lines().get(2).warnOrWorse());
            assertEquals(0, failure.failures());
        }
    }

    @Test
    void withAQuietPeriodASuccessInTheMiddleOfTheOutageDoesNotEndIt() {
        try (LogCapture log = LogCapture.of(NAME)) {
            RepeatedFailure failure = new RepeatedFailure(Logger.getLogger(NAME), Logger.Level.WARN, "cannot accept",
                    "still cannot accept", "accepting again", Duration.ofSeconds(10));
            for (int i = 0; i < 50; i++) {
                failure.failed("Too many open files");
                failure.succeeded();
            }
            assertEquals(1, log.lines().size(), log.lines().toString());
            assertEquals(50, failure.failures());
        }
    }
}
