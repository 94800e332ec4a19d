package org.deidgateway.forward;

/**
 * A store or echo that did not happen. {@link #permanent()} answers one question for the queue:
 * would sending the same object to the same destination again fail the same way? Refused
 * connections, timeouts, aborts and "come back later" rejections are not permanent; a rejected
 * association, an unsupported SOP class or transfer syntax, and a malformed file are.
 * Messages name the destination and the reason, never anything from the data set.
 */
public final class ForwardException extends Exception {

    private final boolean permanent;
    private boolean refusesAssociation;

    public ForwardException(String message, boolean permanent) {
        super(message);
        this.permanent = permanent;
    }

    /** The destination rejected the association itself: its configuration, not this object, is at fault. */
    static ForwardException associationRejected(String message, boolean permanent) {
        ForwardException e = new ForwardException(message, permanent);
        e.refusesAssociation = true;
        return e;
    }

    /**
     * No association can be set up until someone changes a configuration or a keystore (a TLS peer
     * we do not trust, or that does not trust us): permanent for this attempt, but, like a rejected
     * association, the fault of the destination and not of the object.
     */
    static ForwardException configurationError(String message, Throwable cause) {
        ForwardException e = new ForwardException(message, true, cause);
        e.refusesAssociation = true;
        return e;
    }

    /** Whether the destination refuses every association (rejection, or a TLS configuration error), whatever is sent. */
    public boolean refusesAssociation() {
        return refusesAssociation;
    }

    public ForwardException(String message, boolean permanent, Throwable cause) {
        super(message, cause);
        this.permanent = permanent;
    }

    public boolean permanent() {
        return permanent;
    }
}
