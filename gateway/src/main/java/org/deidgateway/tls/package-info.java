/**
 * TLS for the gateway's connections: the keystore's TLS key and trusted certificates turned into
 * JSSE contexts ({@link org.deidgateway.tls.TlsMaterial}, reusable by any channel that needs a
 * client or server context), one protocol and cipher-suite policy (TLS 1.3 and 1.2, AEAD with
 * forward secrecy), handshakes with a deadline on an already connected or accepted socket, the
 * words for a failed handshake, and the certificate files: PEM import and export, self-signed
 * generation. The DICOM receiver and sender use it; they own nothing of TLS themselves.
 */
package org.deidgateway.tls;
