/**
 * Confidentiality profiles as data: PS3.15 Table E.1-1 and Table E.3.10-1 loaded from the JSON
 * copies under {@code profiles/standard}, the profile YAML files hospital IT reads and edits,
 * and the resolution of one attribute tag to one action with the reason for it.
 * Nothing here touches a dataset, the network or a database.
 */
package org.deidgateway.profile;
