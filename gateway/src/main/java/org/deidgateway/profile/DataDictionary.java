package org.deidgateway.profile;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The PS3.6 data dictionary (2024e) as loaded from {@code profiles/standard/attributes.json}: which
 * standard attributes exist and which VRs the standard gives them. The de-identifier trusts this,
 * not PixelMed's older built-in dictionary: an element that PS3.6 does not define has no known
 * meaning and so cannot be judged safe, and an element PixelMed could only read as UN gets its
 * real VR from here.
 */
public final class DataDictionary {

    public static final String RESOURCE = "/profiles/standard/attributes.json";

    /** One PS3.6 entry. {@code vrs} is empty for the few retired entries the standard left without a VR. */
    public record Entry(String tag, String name, String keyword, List<String> vrs, boolean retired) {

        /** The VR to read an element of this entry as when it arrived as UN; the first one where PS3.6 gives a choice. */
        public Optional<String> readingVr() {
            return vrs.isEmpty() ? Optional.empty() : Optional.of(vrs.get(0));
        }

        public boolean allows(String vr) {
            return vrs.contains(vr);
        }
    }

    /** A dictionary row whose tag has x digits, such as (60xx,3000) or (0028,04x0). */
    private record Pattern(int mask, int value, Entry entry) {
    }

    private final Map<Integer, Entry> exact;
    private final List<Pattern> patterns;

    private DataDictionary(Map<Integer, Entry> exact, List<Pattern> patterns) {
        this.exact = Collections.unmodifiableMap(exact);
        this.patterns = List.copyOf(patterns);
    }

    public static DataDictionary bundled() {
        return Holder.INSTANCE;
    }

    public static DataDictionary load(InputStream json) throws IOException {
        Map<Integer, Entry> exact = new HashMap<>();
        List<Pattern> patterns = new ArrayList<>();
        for (JsonNode node : new ObjectMapper().readTree(json)) {
            String tag = node.get("tag").asText().toUpperCase(Locale.ROOT);
            String hex = tag.replace("(", "").replace(")", "").replace(",", "");
            if (hex.length() != 8) {
                throw new IllegalStateException("PS3.6 entry with a tag that is not (gggg,eeee): " + tag);
            }
            Entry entry = new Entry(tag, node.path("name").asText(), node.path("keyword").asText(),
                    vrsOf(node.path("valueRepresentation").asText()), "Y".equals(node.path("retired").asText()));
            if (hex.indexOf('X') < 0) {
                exact.put((int) Long.parseLong(hex, 16), entry);
            } else {
                int mask = 0;
                int value = 0;
                for (char c : hex.toCharArray()) {
                    mask <<= 4;
                    value <<= 4;
                    if (c != 'X') {
                        mask |= 0xF;
                        value |= Character.digit(c, 16);
                    }
                }
                patterns.add(new Pattern(mask, value, entry));
            }
        }
        return new DataDictionary(exact, patterns);
    }

    /** "US or SS or OW" becomes [US, SS, OW]; "See Note 2" (items and delimiters) and "" have no VR. */
    private static List<String> vrsOf(String text) {
        return Arrays.stream(text.split(" or "))
                .map(String::trim)
                .filter(v -> v.length() == 2 && v.chars().allMatch(Character::isUpperCase))
                .toList();
    }

    /** The entry defining a standard tag, or empty if PS3.6 does not define it. */
    public Optional<Entry> entry(int tag) {
        Entry e = exact.get(tag);
        if (e != null) {
            return Optional.of(e);
        }
        for (Pattern p : patterns) {
            if ((tag & p.mask) == p.value) {
                return Optional.of(p.entry);
            }
        }
        return Optional.empty();
    }

    public int size() {
        return exact.size() + patterns.size();
    }

    private static final class Holder {
        static final DataDictionary INSTANCE = loadBundled();

        private static DataDictionary loadBundled() {
            try (InputStream in = DataDictionary.class.getResourceAsStream(RESOURCE)) {
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
