/**
 * The identity vault: the correspondence table between pseudonyms and patients, sealed so that the
 * gateway can add to it but not read it. Each sealed part is AES-256-GCM encrypted under its own
 * data key, wrapped (RSA-OAEP) to every registered curator's public key; only a curator's own
 * keystore opens one, and every opening is audited. Also the curators' keystores and registry.
 */
package org.deidgateway.vault;
