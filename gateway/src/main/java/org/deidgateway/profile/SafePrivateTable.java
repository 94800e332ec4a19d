package org.deidgateway.profile;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;

/**
 * PS3.15 Table E.3.10-1, the private attributes known to be safe, keyed by private creator,
 * group and element offset within the creator's block ((gggg,xxee) in the table).
 */
public final class SafePrivateTable {

    public static final String RESOURCE = "/profiles/standard/safe_private_attributes.json";

    private final Set<String> keys;

    private SafePrivateTable(Set<String> keys) {
        this.keys = keys;
    }

    public static SafePrivateTable bundled() {
        return Holder.INSTANCE;
    }

    public static SafePrivateTable load(InputStream json) throws IOException {
        Set<String> keys = new HashSet<>();
        for (JsonNode node : new ObjectMapper().readTree(json)) {
            String element = node.get("element").asText().toUpperCase(Locale.ROOT).replace("(", "").replace(")", "");
            String[] parts = element.split(",");
            int group = Integer.parseInt(parts[0].trim(), 16);
            int offset = Integer.parseInt(parts[1].trim().substring(2), 16);
            keys.add(key(node.get("privateCreator").asText(), group, offset));
        }
        return new SafePrivateTable(Set.copyOf(keys));
    }

    /** Whether the private data element (not a creator element) is listed as safe under its creator. */
    public boolean isSafe(String privateCreator, int tag) {
        if (privateCreator == null) {
            return false;
        }
        return keys.contains(key(privateCreator, tag >>> 16, tag & 0xFF));
    }

    public int size() {
        return keys.size();
    }

    private static String key(String creator, int group, int offset) {
        return creator.trim().toUpperCase(Locale.ROOT) + "|" + group + "|" + offset;
    }

    private static final class Holder {
        static final SafePrivateTable INSTANCE = loadBundled();

        private static SafePrivateTable loadBundled() {
            try (InputStream in = SafePrivateTable.class.getResourceAsStream(RESOURCE)) {
                if (in == null) {
                    throw new IllegalStateException("bundled resource " + RESOURCE + " is missing");
                }
                return load(in);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + RESOURCE, e);
            }
        }
    }
}
