package org.deidgateway.pixel;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.pixelmed.dicom.AttributeList;
import com.pixelmed.dicom.AttributeTag;
import com.pixelmed.dicom.DicomDictionary;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The mask rules of pixel-masks.yaml: which known layouts show identifying text where. A site's own
 * file (HOME/profiles) applies before the shipped one. A file that does not parse is refused whole,
 * with its line and key named: half a rule set would forward what the other half would have blanked.
 */
public final class PixelMaskRules {

    public static final String FILE_NAME = "pixel-masks.yaml";
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final Set<String> RULE_KEYS = Set.of("name", "source", "match", "rectangles");
    private static final Set<String> MATCH_KEYS = Set.of("modality", "manufacturer", "model", "sop-class", "rows",
            "columns", "header");

    private final List<MaskRule> rules;

    private PixelMaskRules(List<MaskRule> rules) {
        this.rules = List.copyOf(rules);
    }

    public List<MaskRule> rules() {
        return rules;
    }

    public static PixelMaskRules of(List<MaskRule> rules) {
        return new PixelMaskRules(rules);
    }

    /**
     * The rules of an installation: {@code HOME/profiles/pixel-masks.yaml} if there is one, then the
     * shipped file (from {@code deid.profiles.dir} when the launcher sets it, else the bundled copy).
     */
    public static PixelMaskRules forHome(Path home) throws IOException, RulesException {
        List<MaskRule> all = new ArrayList<>();
        if (home != null) {
            Path site = home.resolve("profiles").resolve(FILE_NAME);
            if (Files.isRegularFile(site)) {
                all.addAll(parse(Files.readString(site, StandardCharsets.UTF_8), site.toString()));
            }
        }
        String repo = System.getProperty("deid.profiles.dir");
        Path shipped = repo == null || repo.isBlank() ? null : Path.of(repo).resolve(FILE_NAME);
        if (shipped != null && Files.isRegularFile(shipped)) {
            all.addAll(parse(Files.readString(shipped, StandardCharsets.UTF_8), shipped.toString()));
        } else {
            try (InputStream in = PixelMaskRules.class.getResourceAsStream("/profiles/" + FILE_NAME)) {
                if (in == null) {
                    throw new RulesException("the bundled " + FILE_NAME + " is missing from the application");
                }
                all.addAll(parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), "bundled " + FILE_NAME));
            }
        }
        return new PixelMaskRules(all);
    }

    public static PixelMaskRules fromText(String yaml, String source) throws RulesException {
        return new PixelMaskRules(parse(yaml, source));
    }

    static List<MaskRule> parse(String yaml, String source) throws RulesException {
        JsonNode root;
        try {
            root = YAML.readTree(yaml);
        } catch (JsonProcessingException e) {
            int line = e.getLocation() == null ? 0 : e.getLocation().getLineNr();
            throw new RulesException(source + (line > 0 ? " line " + line : "") + ": not valid YAML ("
                    + firstLine(e.getOriginalMessage()) + ")");
        }
        Map<String, Integer> lines = lines(yaml);
        Where where = new Where(source, lines);
        if (root == null || !root.isObject() || !root.has("rules")) {
            throw new RulesException(source + ": expected a mapping with the key 'rules' (a list of rules)");
        }
        checkKeys(root, "", Set.of("rules"), where);
        JsonNode list = root.get("rules");
        if (!list.isArray()) {
            throw where.error("/rules", "rules", "must be a list of rules");
        }
        List<MaskRule> rules = new ArrayList<>();
        Set<String> names = new TreeSet<>();
        for (int i = 0; i < list.size(); i++) {
            String at = "/rules/" + i;
            JsonNode node = list.get(i);
            if (!node.isObject()) {
                throw where.error(at, "rules[" + i + "]", "must be a mapping with name, source, match and rectangles");
            }
            checkKeys(node, at, RULE_KEYS, where);
            String name = requiredText(node, at, "name", where);
            if (!names.add(name)) {
                throw where.error(at + "/name", "name", "rule '" + name + "' is given twice");
            }
            String origin = requiredText(node, at, "source", where);
            rules.add(new MaskRule(name, origin, source, criteria(node.path("match"), at + "/match", where),
                    rectangles(node.path("rectangles"), at + "/rectangles", where)));
        }
        return rules;
    }

    private static List<MaskRule.Criterion> criteria(JsonNode match, String at, Where where) throws RulesException {
        if (match.isMissingNode() || match.isNull()) {
            throw where.error(at.substring(0, at.lastIndexOf('/')), "match",
                    "is missing: a rule without criteria would blank every image (write the criteria)");
        }
        if (!match.isObject()) {
            throw where.error(at, "match", "must be a mapping of criteria");
        }
        checkKeys(match, at, MATCH_KEYS, where);
        List<MaskRule.Criterion> out = new ArrayList<>();
        for (String key : List.of("modality", "manufacturer", "model", "sop-class")) {
            if (match.has(key)) {
                out.add(MaskRule.Criterion.values(key, MaskRule.tagOfKeyword(key), patterns(match.get(key), at + "/" + key, key, where)));
            }
        }
        for (String key : List.of("rows", "columns")) {
            if (match.has(key)) {
                int[] range = range(match.get(key), at + "/" + key, key, where);
                out.add(MaskRule.Criterion.range(key, MaskRule.tagOfKeyword(key), range[0], range[1]));
            }
        }
        JsonNode header = match.path("header");
        if (!header.isMissingNode()) {
            if (!header.isObject()) {
                throw where.error(at + "/header", "header", "must be a mapping of attribute keyword or (gggg,eeee) to values");
            }
            Iterator<String> keys = header.fieldNames();
            while (keys.hasNext()) {
                String key = keys.next();
                AttributeTag tag = tagOf(key);
                if (tag == null) {
                    throw where.error(at + "/header/" + escape(key), key, "is neither a PS3.6 keyword nor a tag (gggg,eeee)");
                }
                out.add(MaskRule.Criterion.values(key, tag, patterns(header.get(key), at + "/header/" + escape(key), key, where)));
            }
        }
        if (out.isEmpty()) {
            throw where.error(at, "match", "has no criteria: a rule without criteria would blank every image");
        }
        return out;
    }

    private static List<MaskRule.RectSpec> rectangles(JsonNode list, String at, Where where) throws RulesException {
        if (!list.isArray() || list.isEmpty()) {
            throw where.error(list.isMissingNode() ? at.substring(0, at.lastIndexOf('/')) : at, "rectangles",
                    "must be a list of [x, y, width, height]");
        }
        List<MaskRule.RectSpec> out = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            JsonNode r = list.get(i);
            String here = at + "/" + i;
            if (!r.isArray() || r.size() != 4) {
                throw where.error(here, "rectangles[" + i + "]", "must be [x, y, width, height]");
            }
            MaskRule.Extent[] e = new MaskRule.Extent[4];
            String[] sides = {"x", "y", "width", "height"};
            for (int k = 0; k < 4; k++) {
                e[k] = extent(r.get(k), here + "/" + k, "rectangles[" + i + "]." + sides[k], k >= 2, where);
            }
            out.add(new MaskRule.RectSpec(e[0], e[1], e[2], e[3]));
        }
        return out;
    }

    private static MaskRule.Extent extent(JsonNode v, String at, String key, boolean size, Where where) throws RulesException {
        String text = v.asText().trim();
        boolean percent = text.endsWith("%");
        String number = percent ? text.substring(0, text.length() - 1).trim() : text;
        double amount;
        try {
            amount = Double.parseDouble(number);
        } catch (NumberFormatException e) {
            throw where.error(at, key, "must be a number of pixels or a percentage like \"10%\", not '" + text + "'");
        }
        if (!percent && (amount != Math.rint(amount) || !v.isNumber() && !number.matches("-?\\d+"))) {
            throw where.error(at, key, "must be a whole number of pixels, not '" + text + "'");
        }
        if (amount < 0 || (size && amount == 0) || (percent && amount > 100) || amount > 65535) {
            throw where.error(at, key, size ? "must be more than 0 (and at most 100%)" : "must be 0 or more (at most 100%)");
        }
        return new MaskRule.Extent(amount, percent);
    }

    private static int[] range(JsonNode v, String at, String key, Where where) throws RulesException {
        String text = v.asText().trim();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d{1,5})\\s*(?:-\\s*(\\d{1,5}))?").matcher(text);
        if (!m.matches()) {
            throw where.error(at, key, "must be a number or a range like \"400-600\", not '" + text + "'");
        }
        int min = Integer.parseInt(m.group(1));
        int max = m.group(2) == null ? min : Integer.parseInt(m.group(2));
        if (min > max || max == 0) {
            throw where.error(at, key, "range '" + text + "' is empty");
        }
        return new int[] {min, max};
    }

    private static List<String> patterns(JsonNode v, String at, String key, Where where) throws RulesException {
        List<String> out = new ArrayList<>();
        if (v.isArray()) {
            for (JsonNode e : v) {
                if (!e.isValueNode() || e.asText().isBlank()) {
                    throw where.error(at, key, "entries must be non-empty values");
                }
                out.add(e.asText());
            }
        } else if (v.isValueNode() && !v.asText().isBlank()) {
            out.add(v.asText());
        }
        if (out.isEmpty()) {
            throw where.error(at, key, "must be a value or a non-empty list of values");
        }
        return out;
    }

    private static AttributeTag tagOf(String key) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\(?([0-9A-Fa-f]{4}),([0-9A-Fa-f]{4})\\)?").matcher(key.trim());
        if (m.matches()) {
            return new AttributeTag(Integer.parseInt(m.group(1), 16), Integer.parseInt(m.group(2), 16));
        }
        return DicomDictionary.StandardDictionary.getTagFromName(key.trim());
    }

    private static String requiredText(JsonNode node, String at, String key, Where where) throws RulesException {
        JsonNode v = node.get(key);
        if (v == null || !v.isValueNode() || v.asText().isBlank()) {
            throw where.error(v == null ? at : at + "/" + key, key, "is required (a non-empty text)");
        }
        return v.asText().trim();
    }

    private static void checkKeys(JsonNode node, String at, Set<String> allowed, Where where) throws RulesException {
        Iterator<String> names = node.fieldNames();
        while (names.hasNext()) {
            String key = names.next();
            if (!allowed.contains(key)) {
                throw where.error(at + "/" + escape(key), key, "is not a known key (allowed: " + new TreeSet<>(allowed) + ")");
            }
        }
    }

    private static String escape(String key) {
        return key.replace("~", "~0").replace("/", "~1");
    }

    /** The line of every value in the file, by JSON pointer, for error messages. */
    private static Map<String, Integer> lines(String yaml) {
        Map<String, Integer> lines = new HashMap<>();
        try (JsonParser parser = YAML.getFactory().createParser(yaml)) {
            for (JsonToken t = parser.nextToken(); t != null; t = parser.nextToken()) {
                String pointer = parser.getParsingContext().pathAsPointer(false).toString();
                if (t != JsonToken.END_ARRAY && t != JsonToken.END_OBJECT) {
                    lines.putIfAbsent(pointer, parser.currentLocation().getLineNr());
                }
            }
        } catch (IOException e) {
            // parsed once already; a failure here only costs the line numbers
        }
        return lines;
    }

    private record Where(String source, Map<String, Integer> lines) {
        RulesException error(String pointer, String key, String problem) {
            Integer line = null;
            for (String p = pointer; line == null && !p.isEmpty(); p = p.substring(0, Math.max(0, p.lastIndexOf('/')))) {
                line = lines.get(p);
            }
            return new RulesException(source + (line == null ? "" : " line " + line) + ": '" + key + "' " + problem);
        }
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "unreadable";
        }
        int nl = message.indexOf('\n');
        return nl < 0 ? message : message.substring(0, nl);
    }

    /** The rules file is unusable; the message names the file, the line and the key. */
    public static final class RulesException extends Exception {
        public RulesException(String message) {
            super(message);
        }
    }

    /** What the rules say about one object. */
    public record Verdict(List<MaskRule> matching, Map<String, String> mismatches) {
    }

    /** Every rule that applies to the object, and for the others the first criterion it does not fit. */
    public Verdict match(AttributeList dataset) {
        List<MaskRule> matching = new ArrayList<>();
        Map<String, String> mismatches = new java.util.LinkedHashMap<>();
        for (MaskRule rule : rules) {
            rule.mismatch(dataset).ifPresentOrElse(why -> mismatches.put(rule.name(), why), () -> matching.add(rule));
        }
        return new Verdict(matching, mismatches);
    }
}
