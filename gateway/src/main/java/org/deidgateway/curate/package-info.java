/**
 * The second stage of a two-stage project: the curation store of held stage-one copies (what
 * curators list and inspect), the release of one full case through the anonymizing profile with an
 * identity, UID key and date offset made for that release and then forgotten, and the release
 * register that refuses to send one patient twice under two identities.
 */
package org.deidgateway.curate;
