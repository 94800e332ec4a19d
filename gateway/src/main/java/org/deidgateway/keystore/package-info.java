/**
 * The gateway keystore (PKCS#12 in the home directory): project master secrets, created with
 * SecureRandom at {@code init}, opened with a passphrase that never comes from the command line;
 * also the gateway's TLS key and the peer certificates it trusts (turned into TLS contexts by
 * {@code tls}).
 * keystore-template/README.md documents what it holds.
 */
package org.deidgateway.keystore;
