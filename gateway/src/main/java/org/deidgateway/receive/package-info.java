/**
 * The DICOM receiver: the listening socket, a bounded pool of associations, negotiation against
 * the gateway's AE title and allow-list, and the services it answers (C-ECHO now; C-STORE to the
 * durable spool next). Protocol encoding lives in {@code net}.
 */
package org.deidgateway.receive;
