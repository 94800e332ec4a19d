package org.deidgateway.cli;

/** A failure reported to the user as one line on stderr, with the given exit code. */
final class CliException extends Exception {
    static final int USAGE = 2;
    static final int FAILURE = 1;

    private final int exitCode;

    CliException(String message) {
        this(message, USAGE);
    }

    CliException(String message, int exitCode) {
        super(message);
        this.exitCode = exitCode;
    }

    int exitCode() {
        return exitCode;
    }
}
