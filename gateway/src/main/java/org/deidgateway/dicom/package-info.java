/**
 * DICOM files through PixelMed: reading with pixel-data decompression off (compressed pixel data
 * passes through untouched), headers read while the pixel data stay in the file and are copied
 * byte for byte on writing (any size in flat memory), proving a file whole by its element lengths
 * (which PixelMed does not), and writing with fresh file meta information.
 */
package org.deidgateway.dicom;
