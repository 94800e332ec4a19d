package org.deidgateway.deid;

import org.deidgateway.pseudonym.CrockfordBase32;
import org.deidgateway.pseudonym.ProjectKeys;

import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * The identities of one anonymizing run (one release of a case, one {@code deid deidentify
 * --profile anonymize}): per patient a new random Patient ID and one random day offset, drawn
 * once, plus one random key for the run's UIDs and hashed values. Nothing of it is derived from
 * the patient or from a stored secret, and nothing is written anywhere, so once the run is over
 * and {@link #close()} has been called no table or key links the output back to its input. The
 * same patient in another run gets another identity, another offset and other UIDs.
 *
 * <p>Thread-safe. Not for stage one: there the pseudonym must be reproducible, here it must not.
 */
public final class AnonymousIdentities implements PatientDateOffsets, AutoCloseable {

    public static final String ID_PREFIX = "ANON-";
    public static final int DEFAULT_MAX_SHIFT_DAYS = 180;
    /** Ten years: beyond that a shift stops looking like a date of the same era. */
    public static final int LIMIT_MAX_SHIFT_DAYS = 3650;
    private static final int KEY_BYTES = 32;
    private static final int ID_BYTES = 16;

    private record Identity(String patientId, int offsetDays) {
    }

    private final SecureRandom random;
    private final int maxShiftDays;
    private final boolean wholeWeeks;
    private final byte[] key;
    private final Map<String, Identity> byLinkKey = new HashMap<>();
    private boolean closed;

    /**
     * @param maxShiftDays offsets are drawn uniformly from [-max, +max] without 0; 1 to 3650
     * @param wholeWeeks   offsets are multiples of 7, so that weekdays survive (needs max >= 7)
     */
    public AnonymousIdentities(SecureRandom random, int maxShiftDays, boolean wholeWeeks) {
        if (random == null) {
            throw new IllegalArgumentException("a SecureRandom is required");
        }
        if (maxShiftDays < 1 || maxShiftDays > LIMIT_MAX_SHIFT_DAYS) {
            throw new IllegalArgumentException("the maximum date shift must be 1 to " + LIMIT_MAX_SHIFT_DAYS
                    + " days, not " + maxShiftDays);
        }
        if (wholeWeeks && maxShiftDays < 7) {
            throw new IllegalArgumentException("whole-week offsets need a maximum date shift of at least 7 days, not "
                    + maxShiftDays);
        }
        this.random = random;
        this.maxShiftDays = maxShiftDays;
        this.wholeWeeks = wholeWeeks;
        this.key = new byte[KEY_BYTES];
        random.nextBytes(key);
    }

    /** A fresh run with a new SecureRandom. */
    public static AnonymousIdentities create(int maxShiftDays, boolean wholeWeeks) {
        return new AnonymousIdentities(new SecureRandom(), maxShiftDays, wholeWeeks);
    }

    public int maxShiftDays() {
        return maxShiftDays;
    }

    public boolean wholeWeeks() {
        return wholeWeeks;
    }

    /** The run's keys (UIDs, hashed values), derived from the run's random key: consistent within the run only. */
    public synchronized ProjectKeys ephemeralKeys(String project) {
        requireOpen();
        return new ProjectKeys(project, key);
    }

    /** The new Patient ID (and Patient's Name) of this patient in this run: ANON- + 26 Crockford Base32 symbols. */
    public synchronized String patientIdFor(String linkKey) {
        return identityOf(linkKey).patientId();
    }

    @Override
    public synchronized int offsetDaysFor(String linkKey) {
        return identityOf(linkKey).offsetDays();
    }

    /** How many patients this run has seen; the only figure about them that may be recorded. */
    public synchronized int patientCount() {
        return byLinkKey.size();
    }

    /** Zeroes the run's key and forgets every identity and offset; the object is unusable after. */
    @Override
    public synchronized void close() {
        Arrays.fill(key, (byte) 0);
        byLinkKey.clear();
        closed = true;
    }

    private Identity identityOf(String linkKey) {
        requireOpen();
        if (linkKey == null || linkKey.isEmpty()) {
            throw new IllegalArgumentException("a patient needs a link key");
        }
        return byLinkKey.computeIfAbsent(linkKey, k -> new Identity(drawPatientId(), drawOffset()));
    }

    private String drawPatientId() {
        byte[] bits = new byte[ID_BYTES];
        random.nextBytes(bits);
        return ID_PREFIX + CrockfordBase32.encode(bits);
    }

    /** Uniform over [-m, -1] and [1, m], in days or whole weeks; 0 would leave the real dates. */
    private int drawOffset() {
        int step = wholeWeeks ? 7 : 1;
        int m = maxShiftDays / step;
        int n = random.nextInt(2 * m);
        return (n < m ? n - m : n - m + 1) * step;
    }

    private void requireOpen() {
        if (closed) {
            throw new IllegalStateException("these anonymous identities are closed: their run is over");
        }
    }
}
