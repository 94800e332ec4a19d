package org.deidgateway.catalog;

import java.util.List;
import java.util.Map;

/**
 * The export's JSON tree as RDF Turtle: each object a blank node, each list a repeated property,
 * under one vocabulary of this gateway whose terms are the MIABIS and DICOM-MIABIS attribute names.
 */
final class CatalogTurtle {

    static final String VOCABULARY = "urn:deid-gateway:dicom-miabis#";

    private CatalogTurtle() {
    }

    static String write(Map<String, Object> tree) {
        StringBuilder out = new StringBuilder();
        out.append("@prefix dm: <").append(VOCABULARY).append("> .\n");
        out.append("@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n\n");
        out.append("[] a dm:Catalog");
        properties(out, tree, 1);
        out.append(" .\n");
        return out.toString();
    }

    private static void properties(StringBuilder out, Map<String, Object> node, int depth) {
        for (Map.Entry<String, Object> e : node.entrySet()) {
            Object value = e.getValue();
            if (value == null) {
                continue;
            }
            List<?> values = value instanceof List<?> list ? list : List.of(value);
            for (Object v : values) {
                out.append(" ;\n").append("  ".repeat(depth)).append("dm:").append(e.getKey()).append(' ');
                term(out, v, depth);
            }
        }
    }

    @SuppressWarnings("unchecked")
    private static void term(StringBuilder out, Object v, int depth) {
        if (v instanceof Map<?, ?> map) {
            out.append("[ a dm:Entry");
            properties(out, (Map<String, Object>) map, depth + 1);
            out.append(" ]");
        } else if (v instanceof Boolean || v instanceof Long || v instanceof Integer) {
            out.append(v);
        } else if (v instanceof Double d) {
            out.append('"').append(d).append("\"^^xsd:double");
        } else {
            out.append('"').append(escape(String.valueOf(v))).append('"');
        }
    }

    static String escape(String s) {
        StringBuilder b = new StringBuilder();
        for (char c : s.toCharArray()) {
            switch (c) {
                case '\\' -> b.append("\\\\");
                case '"' -> b.append("\\\"");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> b.append(c < 0x20 ? String.format("\\u%04X", (int) c) : String.valueOf(c));
            }
        }
        return b.toString();
    }
}
