/**
 * The DICOM receiver: the listening socket, a waiting room for connections that have not spoken
 * yet, a bounded pool of associations, negotiation against the gateway's AE titles and
 * allow-lists, C-ECHO, and C-STORE into the durable spool (the spool file is the record; its
 * database row follows in batches and is rebuilt from the spool at start). Protocol encoding lives
 * in {@code net}, TLS material in {@code tls}.
 */
package org.deidgateway.receive;
