package org.deidgateway.store;

import java.io.IOException;
import java.nio.file.FileSystemException;

/** The database failed; the message names the file and the reason, never row content. */
public class StoreException extends Exception {

    /** The reason alone, for log lines that must not name files (null: the message is the reason). */
    private final String reason;

    public StoreException(String message) {
        super(message);
        this.reason = null;
    }

    public StoreException(String message, Throwable cause) {
        super(message, cause);
        this.reason = null;
    }

    /** {@code message} names the file, {@code reason} says what went wrong without it. */
    public StoreException(String message, String reason, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    /** What went wrong, without the database's path: for lines repeated while an outage lasts. */
    public String reason() {
        return reason == null ? getMessage() : reason;
    }

    /**
     * Why a file operation failed, without the file's name: {@link FileSystemException} puts the
     * path (a home, an object's number) into its message, the reason alone says "No space left on device".
     */
    public static String reasonOf(IOException e) {
        String why = e instanceof FileSystemException f ? f.getReason() : e.getMessage();
        return why == null ? e.getClass().getSimpleName() : why;
    }
}
