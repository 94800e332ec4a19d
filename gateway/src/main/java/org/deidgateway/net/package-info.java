/**
 * The DICOM network protocol, written for this project on PS3.8 (upper layer) and PS3.7 (DIMSE):
 * PDUs read with their lengths checked against the negotiated limits before anything is
 * allocated, association negotiation, and DIMSE command sets. No sockets are opened here and no
 * service is decided here: {@code receive} and {@code forward} use it.
 */
package org.deidgateway.net;
