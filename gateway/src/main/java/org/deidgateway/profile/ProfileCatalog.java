package org.deidgateway.profile;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * Finds and parses profile YAML files. Search order: the installation's own {@code profiles/}
 * folder, then the folder named by the system property {@code deid.profiles.dir} (the repository's
 * {@code profiles/}, set by the launcher), then the copies bundled in the application.
 */
public final class ProfileCatalog {

    public static final String BASE_BASIC = "basic-application-confidentiality-profile";
    private static final List<String> BUNDLED = List.of("basic", "pseudonymize", "anonymize");
    /** The mask rules of Clean Pixel Data live beside the profiles but are no profile. */
    public static final String PIXEL_MASKS = "pixel-masks";
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private final List<Path> folders;

    public ProfileCatalog(List<Path> folders) {
        this.folders = List.copyOf(folders);
    }

    /** The catalog for an installation home (which may be null for the bundled profiles only). */
    public static ProfileCatalog forHome(Path home) {
        List<Path> folders = new ArrayList<>();
        if (home != null) {
            folders.add(home.resolve("profiles"));
        }
        String repoProfiles = System.getProperty("deid.profiles.dir");
        if (repoProfiles != null && !repoProfiles.isBlank()) {
            folders.add(Path.of(repoProfiles));
        }
        return new ProfileCatalog(folders);
    }

    public Set<String> names() throws IOException {
        Set<String> names = new TreeSet<>(BUNDLED);
        for (Path folder : folders) {
            if (Files.isDirectory(folder)) {
                try (Stream<Path> files = Files.list(folder)) {
                    files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".yaml"))
                            .map(n -> n.substring(0, n.length() - ".yaml".length()))
                            .filter(n -> !n.equals(PIXEL_MASKS)).forEach(names::add);
                }
            }
        }
        return names;
    }

    public ConfidentialityProfile load(String name) throws IOException, ProfileException {
        if (!name.matches("[A-Za-z0-9][A-Za-z0-9_.-]*")) {
            throw new ProfileException("unknown profile '" + name + "': a profile name has letters, digits, '-', '_' and '.'");
        }
        for (Path folder : folders) {
            Path file = folder.resolve(name + ".yaml");
            if (Files.isRegularFile(file)) {
                try (InputStream in = Files.newInputStream(file)) {
                    return parse(name, in, file.toString());
                }
            }
        }
        if (BUNDLED.contains(name)) {
            try (InputStream in = ProfileCatalog.class.getResourceAsStream("/profiles/" + name + ".yaml")) {
                if (in != null) {
                    return parse(name, in, "bundled " + name + ".yaml");
                }
            }
        }
        throw new ProfileException("unknown profile '" + name + "' (known: " + String.join(", ", names()) + ")");
    }

    static ConfidentialityProfile parse(String name, InputStream yaml, String source) throws ProfileException {
        JsonNode root;
        try {
            root = YAML.readTree(yaml);
        } catch (IOException e) {
            throw new ProfileException(source + ": not valid YAML: " + firstLine(e.getMessage()));
        }
        if (root == null || !root.isObject()) {
            throw new ProfileException(source + ": expected a mapping with name, base, options and overrides");
        }
        checkKeys(root, source, Set.of("name", "description", "base", "options", "overrides"));
        String declared = root.path("name").asText(name);
        if (!declared.equals(name)) {
            throw new ProfileException(source + ": 'name' is '" + declared + "' but the file is named '" + name + ".yaml'");
        }
        String base = root.path("base").asText(BASE_BASIC);
        if (!BASE_BASIC.equals(base)) {
            throw new ProfileException(source + ": base '" + base + "' is not supported (only " + BASE_BASIC + ")");
        }
        Set<ProfileOption> options = EnumSet.noneOf(ProfileOption.class);
        for (JsonNode option : root.path("options")) {
            options.add(ProfileOption.byYamlName(option.asText()).orElseThrow(() -> new ProfileException(
                    source + ": unknown option '" + option.asText() + "'")));
        }
        Map<Integer, TagOverride> overrides = new LinkedHashMap<>();
        int index = 0;
        for (JsonNode node : root.path("overrides")) {
            String where = source + ": overrides[" + index++ + "]";
            checkKeys(node, where, Set.of("tag", "action", "value", "reason"));
            try {
                int tag = ConfidentialityTable.parseTag(node.path("tag").asText());
                Action action = Action.byYamlName(node.path("action").asText());
                String value = node.hasNonNull("value") ? node.get("value").asText() : null;
                if (overrides.put(tag, new TagOverride(tag, action, value, node.path("reason").asText(null))) != null) {
                    throw new ProfileException(where + ": tag " + ConfidentialityTable.formatTag(tag) + " given twice");
                }
            } catch (IllegalArgumentException e) {
                throw new ProfileException(where + ": " + e.getMessage());
            }
        }
        try {
            return new ConfidentialityProfile(name, root.path("description").asText(""), options, overrides);
        } catch (IllegalArgumentException e) {
            throw new ProfileException(source + ": " + e.getMessage());
        }
    }

    private static void checkKeys(JsonNode node, String where, Set<String> allowed) throws ProfileException {
        Iterator<String> names = node.fieldNames();
        while (names.hasNext()) {
            String key = names.next();
            if (!allowed.contains(key)) {
                throw new ProfileException(where + ": unknown key '" + key + "' (allowed: " + new TreeSet<>(allowed) + ")");
            }
        }
    }

    private static String firstLine(String message) {
        return message == null ? "" : message.lines().findFirst().orElse("");
    }

    /** A profile that cannot be found or parsed; the message names the file and the bad key. */
    public static final class ProfileException extends Exception {
        public ProfileException(String message) {
            super(message);
        }
    }
}
