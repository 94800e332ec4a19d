package org.deidgateway.testsupport;

import org.jboss.logmanager.ExtLogRecord;

import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * The log lines of one logger and its children, as the application formats them (surefire runs
 * the tests with JBoss LogManager, whose records carry printf-style messages). Close it to detach.
 */
public final class LogCapture implements AutoCloseable {

    /** One line: its level and its message, formatted. */
    public record Line(Level level, String logger, String message) {
        /** WARN and ERROR (JBoss' ERROR is SEVERE's value). */
        public boolean warnOrWorse() {
            return level.intValue() >= Level.WARNING.intValue();
        }

        @Override
        public String toString() {
            return level + " " + logger + ": " + message;
        }
    }

    private final Logger logger;
    private final List<Line> lines = new ArrayList<>();
    private final Handler handler = new Handler() {
        @Override
        public void publish(LogRecord record) {
            String message = record instanceof ExtLogRecord ext ? ext.getFormattedMessage() : record.getMessage();
            synchronized (lines) {
                lines.add(new Line(record.getLevel(), record.getLoggerName(), message));
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    private LogCapture(String name) {
        this.logger = Logger.getLogger(name);
        logger.addHandler(handler);
    }

    public static LogCapture of(String loggerName) {
        return new LogCapture(loggerName);
    }

    public List<Line> lines() {
        synchronized (lines) {
            return List.copyOf(lines);
        }
    }

    /** The lines whose message contains {@code text}. */
    public List<Line> containing(String text) {
        return lines().stream().filter(l -> l.message().contains(text)).toList();
    }

    @Override
    public void close() {
        logger.removeHandler(handler);
    }
}
