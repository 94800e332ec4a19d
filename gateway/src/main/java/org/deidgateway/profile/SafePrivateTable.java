package org.deidgateway.profile;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * PS3.15 Table E.3.10-1, the private attributes known to be safe, keyed by private creator,
 * group and element offset within the creator's block ((gggg,xxee) in the table).
 */
public final class SafePrivateTable {

    public static final String RESOURCE = "/profiles/standard/safe_private_attributes.json";

    /** Key to the VR the table gives ("" where it gives none). */
    private final Map<String, String> keys;

    private SafePrivateTable(Map<String, String> keys) {
        this.keys = keys;
    }

    public static SafePrivateTable bundled() {
        return Holder.INSTANCE;
    }

    public static SafePrivateTable load(InputStream json) throws IOException {
        Map<String, String> keys = new HashMap<>();
        for (JsonNode node : new ObjectMapper().readTree(json)) {
            String element = node.get("element").asText().toUpperCase(Locale.ROOT).replace("(", "").replace(")", "");
            String[] parts = element.split(",");
            int group = Integer.parseInt(parts[0].trim(), 16);
            int offset = Integer.parseInt(parts[1].trim().substring(2), 16);
            keys.put(key(node.get("privateCreator").asText(), group, offset), node.path("vr").asText(""));
        }
        return new SafePrivateTable(Map.copyOf(keys));
    }

    /** Whether the private data element (not a creator element) is listed as safe under its creator. */
    public boolean isSafe(String privateCreator, int tag) {
        if (privateCreator == null) {
            return false;
        }
        return keys.containsKey(key(privateCreator, tag >>> 16, tag & 0xFF));
    }

    /** The VR Table E.3.10-1 gives a safe private element, if it gives one. */
    public Optional<String> vrOf(String privateCreator, int tag) {
        if (privateCreator == null) {
            return Optional.empty();
        }
        String vr = keys.get(key(privateCreator, tag >>> 16, tag & 0xFF));
        return vr == null || vr.length() != 2 ? Optional.empty() : Optional.of(vr);
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
