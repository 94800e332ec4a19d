/**
 * Forwarding de-identified objects to a DICOM destination: the client side of the project's own
 * upper layer in {@code net}. An object is sent exactly as it lies in its Part 10 file, so
 * compressed pixel data is never decoded on the way out; every failure says whether trying again
 * can help, which is what the queue needs to choose between retry and dead letter.
 */
package org.deidgateway.forward;
