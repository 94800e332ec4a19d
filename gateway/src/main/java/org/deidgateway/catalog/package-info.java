/**
 * The research catalog: what a project holds, counted from the de-identified copies only, and
 * exported as DICOM-MIABIS records (Biobank, Collection, Image Collection) with small cells
 * suppressed. Facts are read from the output of the profile, never from the original; the
 * database keeps them under salted keys, never a pseudonym or UID.
 */
package org.deidgateway.catalog;
