/**
 * The gateway keystore (PKCS#12 in the home directory): project master secrets, created with
 * SecureRandom at {@code init}, opened with a passphrase that never comes from the command line.
 * keystore-template/README.md documents what it holds.
 */
package org.deidgateway.keystore;
