package org.deidgateway.store;

import java.sql.SQLException;

/** PostgreSQL's SQLSTATE codes, said in words hospital IT can act on; no value of any row is ever in them. */
final class PostgresqlErrors {

    private PostgresqlErrors() {
    }

    /** The connection is gone (server down, restarted, network): a new one may work. */
    static boolean connectionLost(SQLException e) {
        String state = e.getSQLState();
        return state == null || state.startsWith("08") || state.startsWith("57P");
    }

    static String describe(SQLException e, String doing) {
        String state = e.getSQLState() == null ? "" : e.getSQLState();
        String tls = tlsFailure(e);
        if (tls != null) {
            return tls + " (SQLSTATE " + (state.isEmpty() ? "none" : state) + "); nothing was written";
        }
        if (state.equals("28000")) {
            return "the database server has no pg_hba.conf entry that lets this user connect from here with this sslmode"
                    + " (SQLSTATE 28000: a server that takes only TLS needs sslmode=verify-full in database.url)";
        }
        if (state.startsWith("08") || state.isEmpty()) {
            return "cannot reach the database server (" + (state.isEmpty() ? "no answer" : "SQLSTATE " + state)
                    + "); nothing was written";
        }
        if (state.startsWith("57P")) {
            return "the database server is shutting down or restarting (SQLSTATE " + state + "); nothing was written";
        }
        if (state.equals("28P01") || state.startsWith("28")) {
            return "the database server refused the user or password (SQLSTATE " + state + ")";
        }
        if (state.equals("3D000")) {
            return "the database named in database.url does not exist on the server (SQLSTATE 3D000)";
        }
        if (state.equals("53100")) {
            return "the database server's disk is full (SQLSTATE 53100); nothing was written";
        }
        if (state.startsWith("53")) {
            return "the database server is out of resources (SQLSTATE " + state + "); nothing was written";
        }
        if (state.startsWith("23")) {
            return "refused by a database constraint (SQLSTATE " + state + ")";
        }
        if (state.equals("40001") || state.equals("40P01")) {
            return "the database server broke off a transaction that met another node's (SQLSTATE " + state + "); try again";
        }
        if (state.equals("42501")) {
            return "the database user may not do this (SQLSTATE 42501: grant it the schema)";
        }
        return "cannot " + doing + " (SQLSTATE " + state + ")";
    }

    /**
     * What went wrong with TLS, told from the exception's kind and the driver's fixed wording (never
     * passed on); null when it was not TLS.
     */
    private static String tlsFailure(SQLException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof java.security.cert.CertificateException || t instanceof java.security.cert.CertPathValidatorException
                    || (t instanceof javax.net.ssl.SSLHandshakeException && String.valueOf(t.getMessage()).contains("PKIX"))) {
                return "the database server's TLS certificate is not trusted: it does not chain to sslrootcert"
                        + " (or to ~/.postgresql/root.crt when database.url names none)";
            }
            if (t instanceof javax.net.ssl.SSLException) {
                return "the TLS handshake with the database server failed";
            }
            String message = String.valueOf(t.getMessage());
            if (message.contains("does not support SSL")) {
                return "the database server does not offer TLS, and database.url's sslmode asks for it";
            }
            if (message.contains("hostname") && message.contains("could not be verified")) {
                return "the database server's TLS certificate does not name the host in database.url (sslmode=verify-full)";
            }
            if (message.contains("root certificate file")) {
                return "the TLS root certificate cannot be read: give sslrootcert=/PATH in database.url"
                        + " (the driver's default, ~/.postgresql/root.crt, is missing)";
            }
        }
        return null;
    }
}
