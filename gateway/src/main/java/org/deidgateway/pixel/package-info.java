/**
 * Clean Pixel Data (PS3.15 E.3.1): the mask rules of known layouts (pixel-masks.yaml), pixel data
 * decoded frame by frame, blanked and written back, and the OCR that finds identifying text and
 * checks that none is readable afterwards. Pure logic: files and the OCR program, no network or
 * database.
 */
package org.deidgateway.pixel;
