/**
 * Forwarding de-identified objects to their destinations: a folder, a DICOM peer by C-STORE (the
 * client side of the project's own upper layer in {@code net}), or a DICOMweb repository by
 * STOW-RS. An object is sent exactly as it lies in its Part 10 file, so compressed pixel data is
 * never decoded on the way out; every failure says whether trying again can help, which is what
 * the queue needs to choose between retry and dead letter.
 */
package org.deidgateway.forward;
