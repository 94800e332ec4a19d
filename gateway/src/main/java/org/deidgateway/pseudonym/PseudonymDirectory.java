package org.deidgateway.pseudonym;

import java.util.function.Supplier;

/** Where a stateful scheme keeps its pseudonyms: the correspondence table, in the gateway. */
public interface PseudonymDirectory {

    /**
     * The pseudonym already given to {@code linkKey} in {@code project}, or else the first candidate
     * from {@code candidates} not yet used in the project, stored atomically for that link key.
     */
    String findOrAssign(String project, String linkKey, Supplier<String> candidates) throws PseudonymException;
}
