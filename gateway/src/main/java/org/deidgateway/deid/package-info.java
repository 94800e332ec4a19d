/**
 * The de-identification engine: applies a resolved confidentiality profile to one PixelMed
 * dataset in memory, cleans free text, replaces identifiers with pseudonyms and UIDs, shifts dates
 * where the profile keeps them modified, and marks the result as de-identified. The anonymizing
 * stage draws its identities, day offsets and UID key per run ({@link
 * org.deidgateway.deid.AnonymousIdentities}) and keeps none of them. Pure logic: no files, network
 * or database; tested on its own.
 */
package org.deidgateway.deid;
