/**
 * The installation's configuration, in one typed place: the YAML file in the home directory,
 * its validation (every error names the bad key) and the layout of the home directory.
 */
package org.deidgateway.config;
