/**
 * DICOM files through PixelMed: reading with pixel-data decompression off (compressed pixel data
 * passes through untouched), detecting truncated files PixelMed would accept silently, and writing
 * with fresh file meta information, to a temporary name renamed into place.
 */
package org.deidgateway.dicom;
