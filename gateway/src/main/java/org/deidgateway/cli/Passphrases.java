package org.deidgateway.cli;

import java.io.Console;

/**
 * Passphrases come from an environment variable or an interactive prompt, never from the command
 * line, where they would show in the process list and the shell history.
 */
final class Passphrases {

    static final String GATEWAY_ENV = "DEID_PASSPHRASE";
    static final String NEW_GATEWAY_ENV = "DEID_NEW_PASSPHRASE";
    static final String CURATOR_ENV = "DEID_CURATOR_PASSPHRASE";
    static final String APPROVER_ENV = "DEID_APPROVER_PASSPHRASE";
    static final String EXISTING_CURATOR_ENV = "DEID_EXISTING_CURATOR_PASSPHRASE";
    static final String TLS_KEY_ENV = "DEID_TLS_KEY_PASSPHRASE";

    private Passphrases() {
    }

    static char[] gateway(boolean confirm) throws CliException {
        return read(GATEWAY_ENV, "Keystore passphrase", confirm);
    }

    static char[] newGateway() throws CliException {
        return read(NEW_GATEWAY_ENV, "New keystore passphrase", true);
    }

    static char[] curator(boolean confirm) throws CliException {
        return read(CURATOR_ENV, "Curator keystore passphrase", confirm);
    }

    static char[] approver() throws CliException {
        return read(APPROVER_ENV, "Approver keystore passphrase", false);
    }

    static char[] existingCurator() throws CliException {
        return read(EXISTING_CURATOR_ENV, "Passphrase of the existing curator's keystore", false);
    }

    /** The passphrase of an encrypted PEM private key being imported. */
    static char[] tlsKey() throws CliException {
        return read(TLS_KEY_ENV, "Passphrase of the private key file", false);
    }

    static char[] read(String env, String prompt, boolean confirm) throws CliException {
        String fromEnv = System.getenv(env);
        if (fromEnv != null && !fromEnv.isEmpty()) {
            return fromEnv.toCharArray();
        }
        Console console = System.console();
        if (console == null) {
            throw new CliException("no passphrase: set " + env + " in the environment or run on a terminal to be asked");
        }
        char[] first = console.readPassword("%s: ", prompt);
        if (first == null || first.length == 0) {
            throw new CliException("no passphrase entered");
        }
        if (confirm) {
            char[] second = console.readPassword("%s again: ", prompt);
            if (second == null || !java.util.Arrays.equals(first, second)) {
                throw new CliException("the two passphrases differ");
            }
        }
        return first;
    }
}
