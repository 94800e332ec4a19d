package org.deidgateway.pseudonym;

import java.security.SecureRandom;

/**
 * EUPID-style pseudonyms: {@code CTX-} + 10 random Crockford Base32 symbols (50 bits from
 * SecureRandom) + Crockford's check symbol. Nothing about the patient can be computed from one, so
 * two projects (contexts) can only be linked through the correspondence table, as with EUPID.
 */
public final class EupidStylePseudonyms implements PseudonymScheme {

    public static final String PREFIX = "CTX-";
    static final int RANDOM_SYMBOLS = 10;

    private final String project;
    private final PseudonymDirectory directory;
    private final SecureRandom random;

    public EupidStylePseudonyms(String project, PseudonymDirectory directory, SecureRandom random) {
        this.project = project;
        this.directory = directory;
        this.random = random;
    }

    @Override
    public String pseudonymFor(PatientIdentity patient) throws PseudonymException {
        return directory.findOrAssign(project, patient.linkKey(), this::draw);
    }

    String draw() {
        char[] symbols = new char[RANDOM_SYMBOLS];
        for (int i = 0; i < symbols.length; i++) {
            symbols[i] = CrockfordBase32.ALPHABET[random.nextInt(32)];
        }
        String body = new String(symbols);
        return PREFIX + body + CrockfordBase32.checkSymbol(body);
    }

    /** Whether {@code pseudonym} has this scheme's form and a correct check symbol. */
    public static boolean isWellFormed(String pseudonym) {
        if (pseudonym == null || pseudonym.length() != PREFIX.length() + RANDOM_SYMBOLS + 1 || !pseudonym.startsWith(PREFIX)) {
            return false;
        }
        String body = pseudonym.substring(PREFIX.length(), PREFIX.length() + RANDOM_SYMBOLS);
        try {
            return CrockfordBase32.checkSymbol(body) == pseudonym.charAt(pseudonym.length() - 1);
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}
