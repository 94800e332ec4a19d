package org.deidgateway.cli;

import org.deidgateway.config.ConfigException;
import org.deidgateway.deid.DeidentificationException;
import org.deidgateway.keystore.KeystoreException;
import org.deidgateway.profile.ProfileCatalog.ProfileException;
import org.deidgateway.forward.ForwardException;
import org.deidgateway.store.StoreException;
import org.deidgateway.tls.TlsException;
import org.deidgateway.vault.VaultException;

import java.io.IOException;

/** Turns every expected failure of a command into one line on stderr and an exit code. */
final class Cli {

    interface Body {
        int run() throws Exception;
    }

    private Cli() {
    }

    static int run(Body body) {
        try {
            return body.run();
        } catch (CliException e) {
            return fail(e.getMessage(), e.exitCode());
        } catch (ConfigException | KeystoreException | ProfileException | DeidentificationException | StoreException
                 | VaultException | ForwardException | TlsException
                 | org.deidgateway.curate.CaseRelease.ReleaseException
                 | org.deidgateway.pixel.PixelMaskRules.RulesException | org.deidgateway.pixel.PixelDataException e) {
            return fail(e.getMessage(), CliException.FAILURE);
        } catch (IOException e) {
            // I/O messages name files and the OS reason, never dataset content.
            return fail(e.getClass().getSimpleName() + ": " + e.getMessage(), CliException.FAILURE);
        } catch (Exception e) {
            // Unexpected: the message could quote data, so only the type is printed.
            return fail("internal error (" + e.getClass().getName() + "); please report it", 3);
        }
    }

    static int fail(String message, int code) {
        System.err.println("deid: " + message);
        return code;
    }
}
