/**
 * The de-identification engine: applies a resolved confidentiality profile to one PixelMed
 * dataset in memory, cleans free text, replaces identifiers with pseudonyms and UIDs, and marks
 * the result as de-identified. Pure logic: no files, network or database; tested on its own.
 */
package org.deidgateway.deid;
