/**
 * The command line (Picocli under Quarkus): one class per command, each a thin layer that parses
 * options, calls the packages that own the work, prints results on stdout, progress and errors on
 * stderr, and turns failures into one clear line and a non-zero exit code.
 */
package org.deidgateway.cli;
