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
}
