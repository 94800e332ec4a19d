package org.deidgateway.profile;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * PS3.15 Table E.1-1 as loaded from {@code profiles/standard/confidentiality_profile_attributes.json}.
 * Rows naming one attribute are looked up by tag; the three pattern rows (curves 50xx, overlay
 * data and comments 60xx, and private attributes in odd groups) are matched by rule.
 */
public final class ConfidentialityTable {

    public static final String RESOURCE = "/profiles/standard/confidentiality_profile_attributes.json";

    private final List<TableRow> rows;
    private final Map<Integer, TableRow> byTag;
    private final TableRow curveRow;
    private final TableRow overlayDataRow;
    private final TableRow overlayCommentsRow;
    private final TableRow privateRow;

    private ConfidentialityTable(List<TableRow> rows) {
        this.rows = Collections.unmodifiableList(rows);
        Map<Integer, TableRow> exact = new HashMap<>();
        TableRow curve = null;
        TableRow overlayData = null;
        TableRow overlayComments = null;
        TableRow privateAttributes = null;
        for (TableRow row : rows) {
            String t = row.tag().toUpperCase();
            if (t.startsWith("(50XX,XXXX)")) {
                curve = row;
            } else if (t.startsWith("(60XX,3000)")) {
                overlayData = row;
            } else if (t.startsWith("(60XX,4000)")) {
                overlayComments = row;
            } else if (t.startsWith("(GGGG,EEEE)")) {
                privateAttributes = row;
            } else {
                exact.put(parseTag(t), row);
            }
        }
        if (curve == null || overlayData == null || overlayComments == null || privateAttributes == null) {
            throw new IllegalStateException("Table E.1-1 lacks one of the curve, overlay or private attribute rows");
        }
        this.byTag = Collections.unmodifiableMap(exact);
        this.curveRow = curve;
        this.overlayDataRow = overlayData;
        this.overlayCommentsRow = overlayComments;
        this.privateRow = privateAttributes;
    }

    /** The table bundled with the application. */
    public static ConfidentialityTable bundled() {
        return Holder.INSTANCE;
    }

    public static ConfidentialityTable load(InputStream json) throws IOException {
        JsonNode root = new ObjectMapper().readTree(json);
        List<TableRow> rows = new ArrayList<>();
        for (JsonNode node : root) {
            Map<ProfileOption, TableAction> options = new EnumMap<>(ProfileOption.class);
            for (ProfileOption option : ProfileOption.values()) {
                if (!option.inTable()) {
                    continue;
                }
                JsonNode value = node.get(option.tableColumn());
                if (value != null && !value.asText().isBlank()) {
                    options.put(option, TableAction.parse(value.asText()));
                }
            }
            rows.add(new TableRow(node.get("tag").asText(), node.get("name").asText(),
                    TableAction.parse(node.get("basicProfile").asText()), Collections.unmodifiableMap(options),
                    "Y".equals(node.path("stdCompIOD").asText())));
        }
        return new ConfidentialityTable(rows);
    }

    public List<TableRow> rows() {
        return rows;
    }

    /** The row that governs a tag, or empty if the table says nothing about it. */
    public Optional<TableRow> rowFor(int tag) {
        int group = tag >>> 16;
        int element = tag & 0xFFFF;
        if ((group & 1) == 1) {
            return Optional.of(privateRow);
        }
        if ((group & 0xFF00) == 0x5000) {
            return Optional.of(curveRow);
        }
        if ((group & 0xFF00) == 0x6000) {
            if (element == 0x3000) {
                return Optional.of(overlayDataRow);
            }
            if (element == 0x4000) {
                return Optional.of(overlayCommentsRow);
            }
        }
        return Optional.ofNullable(byTag.get(tag));
    }

    /** Parses "(gggg,eeee)" into an int; the tag form used in the table, profiles and the CLI. */
    public static int parseTag(String text) {
        String t = text.trim();
        if (t.startsWith("(") && t.endsWith(")")) {
            t = t.substring(1, t.length() - 1);
        }
        t = t.replace(",", "");
        if (t.length() != 8) {
            throw new IllegalArgumentException("not a tag: '" + text + "' (expected (gggg,eeee) in hexadecimal)");
        }
        try {
            return (int) Long.parseLong(t, 16);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a tag: '" + text + "' (expected (gggg,eeee) in hexadecimal)");
        }
    }

    public static String formatTag(int tag) {
        return String.format("(%04X,%04X)", tag >>> 16, tag & 0xFFFF);
    }

    private static final class Holder {
        static final ConfidentialityTable INSTANCE = loadBundled();

        private static ConfidentialityTable loadBundled() {
            try (InputStream in = ConfidentialityTable.class.getResourceAsStream(RESOURCE)) {
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
