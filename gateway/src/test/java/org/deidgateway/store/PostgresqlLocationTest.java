package org.deidgateway.store;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** database.url for PostgreSQL: TLS on by default off this machine, the URL written back as given. */
class PostgresqlLocationTest {

    @Test
    void aServerElsewhereIsReachedWithVerifiedTlsUnlessTheUrlSaysOtherwise() {
        PostgresqlLocation remote = PostgresqlLocation.parse("postgresql://deid@db.hospital.example/deid");
        assertEquals("verify-full", remote.sslMode());
        assertNull(remote.sslRootCert());
        assertEquals("postgresql://deid@db.hospital.example:5432/deid", remote.toString());
        assertEquals("disable", PostgresqlLocation.parse("postgresql://deid@127.0.0.1:5433/deid").sslMode());
        assertEquals("disable", PostgresqlLocation.parse("postgresql://deid@[::1]:5433/deid").sslMode());
        assertEquals("require", PostgresqlLocation.parse("postgresql://deid@db.example/deid?sslmode=require").sslMode());
    }

    @Test
    void tlsSettingsSurviveTheRoundTripAndAnotherSchema() {
        String url = "postgresql://deid@10.0.0.5:5432/deid?schema=site&sslmode=verify-ca&sslrootcert=/etc/deid/db-ca.pem";
        PostgresqlLocation location = PostgresqlLocation.parse(url);
        assertEquals(Path.of("/etc/deid/db-ca.pem"), location.sslRootCert());
        assertEquals(url, location.toString());
        assertEquals(location, PostgresqlLocation.parse(location.toString()));
        PostgresqlLocation other = location.withSchema("t_1");
        assertEquals("verify-ca", other.sslMode());
        assertEquals(location.sslRootCert(), other.sslRootCert());
        assertEquals("postgresql://deid@127.0.0.1:5432/deid?sslmode=verify-full",
                PostgresqlLocation.parse("postgresql://deid@127.0.0.1/deid?sslmode=verify-full").toString());
    }

    @Test
    void modesThatFallBackToPlainTextAndBadPathsAreRefusedInWords() {
        for (String mode : new String[] {"prefer", "allow", "VERIFY-FULL", ""}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> PostgresqlLocation.parse("postgresql://deid@db.example/deid?sslmode=" + mode));
            assertTrue(e.getMessage().contains("sslmode"), e.getMessage());
        }
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> PostgresqlLocation.parse("postgresql://deid@db.example/deid?sslrootcert=ca.pem")).getMessage().contains("absolute"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> PostgresqlLocation.parse("postgresql://deid@db.example/deid?sslmode=disable&sslrootcert=/ca.pem"))
                .getMessage().contains("disable"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> PostgresqlLocation.parse("postgresql://deid@db.example/deid?ssl=true")).getMessage().contains("sslmode"));
    }
}
