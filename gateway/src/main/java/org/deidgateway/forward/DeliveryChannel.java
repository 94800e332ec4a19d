package org.deidgateway.forward;

import java.nio.file.Path;

/**
 * One destination's way of taking an object. A failure says whether it is worth trying again
 * (the peer is down, busy, out of resources) or not (the peer refuses this object for good).
 */
public interface DeliveryChannel extends AutoCloseable {

    /** Delivers a de-identified file; {@code relativePath} is PSEUDONYM/STUDY/SERIES/SOP.dcm for layouts that keep it. */
    void deliver(Path file, String relativePath) throws DeliveryException;

    @Override
    default void close() {
    }

    /** A failed delivery; {@code permanent} ones go to the dead letters with the peer's reason. */
    final class DeliveryException extends Exception {
        private final boolean permanent;

        public DeliveryException(String message, boolean permanent) {
            super(message);
            this.permanent = permanent;
        }

        public boolean permanent() {
            return permanent;
        }
    }
}
