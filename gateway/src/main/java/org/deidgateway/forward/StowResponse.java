package org.deidgateway.forward;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.xml.sax.SAXException;
import org.xml.sax.helpers.DefaultHandler;

import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * What the body of a STOW-RS response says about each instance (PS3.18 10.5.3, Store Instances
 * Response Module): the Referenced SOP Sequence (0008,1199) lists the instances stored, the Failed
 * SOP Sequence (0008,1198) those refused, each with its Referenced SOP Instance UID (0008,1155) and,
 * when failed, a Failure Reason (0008,1197) from the C-STORE status codes. Read from
 * {@code application/dicom+json} or {@code application/dicom+xml} (the Native DICOM Model).
 *
 * @param failed SOP instance UID to failure reason; {@link #NO_REASON} when the peer gave none
 */
record StowResponse(Set<String> stored, Map<String, Integer> failed) {

    static final int NO_REASON = -1;
    private static final String FAILED_SOP_SEQUENCE = "00081198";
    private static final String REFERENCED_SOP_SEQUENCE = "00081199";
    private static final String REFERENCED_SOP_INSTANCE_UID = "00081155";
    private static final String FAILURE_REASON = "00081197";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Thrown for a body that is neither readable JSON nor XML of the expected shape. */
    static final class UnreadableException extends Exception {
        UnreadableException(String message) {
            super(message);
        }
    }

    /** Whether the response says anything about this instance. */
    boolean mentions(String sopInstanceUid) {
        return stored.contains(sopInstanceUid) || failed.containsKey(sopInstanceUid);
    }

    static StowResponse parse(String contentType, byte[] body) throws UnreadableException {
        String type = contentType == null ? "" : contentType.toLowerCase(Locale.ROOT);
        int first = firstNonBlank(body);
        if (type.contains("xml") || (!type.contains("json") && first == '<')) {
            return fromXml(body);
        }
        return fromJson(body);
    }

    private static StowResponse fromJson(byte[] body) throws UnreadableException {
        JsonNode root;
        try {
            root = JSON.readTree(body);
        } catch (IOException e) {
            throw new UnreadableException("not valid JSON");
        }
        // a data set, or an array holding one (the shape of QIDO-RS answers, which some servers reuse)
        if (root != null && root.isArray() && root.size() == 1) {
            root = root.get(0);
        }
        if (root == null || !root.isObject()) {
            throw new UnreadableException("not a DICOM JSON data set");
        }
        Set<String> stored = new HashSet<>();
        Map<String, Integer> failed = new HashMap<>();
        for (JsonNode item : jsonItems(root, REFERENCED_SOP_SEQUENCE)) {
            String uid = jsonString(item, REFERENCED_SOP_INSTANCE_UID);
            if (uid != null) {
                stored.add(uid);
            }
        }
        for (JsonNode item : jsonItems(root, FAILED_SOP_SEQUENCE)) {
            String uid = jsonString(item, REFERENCED_SOP_INSTANCE_UID);
            if (uid != null) {
                String reason = jsonString(item, FAILURE_REASON);
                failed.put(uid, reasonCode(reason));
            }
        }
        return new StowResponse(stored, failed);
    }

    private static List<JsonNode> jsonItems(JsonNode dataSet, String tag) {
        List<JsonNode> items = new ArrayList<>();
        JsonNode value = dataSet.path(tag).path("Value");
        if (value.isArray()) {
            value.forEach(items::add);
        }
        return items;
    }

    /** The first value of an attribute as text (a US arrives as a number, a UI as a string). */
    private static String jsonString(JsonNode dataSet, String tag) {
        JsonNode value = dataSet.path(tag).path("Value");
        if (!value.isArray() || value.isEmpty() || value.get(0).isNull()) {
            return null;
        }
        return value.get(0).asText().trim();
    }

    private static StowResponse fromXml(byte[] body) throws UnreadableException {
        Document document;
        try {
            DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
            // a response is data, never a reason to fetch anything: no DTDs, no external entities
            factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            factory.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            factory.setAttribute(XMLConstants.ACCESS_EXTERNAL_DTD, "");
            factory.setAttribute(XMLConstants.ACCESS_EXTERNAL_SCHEMA, "");
            factory.setExpandEntityReferences(false);
            DocumentBuilder builder = factory.newDocumentBuilder();
            builder.setErrorHandler(new DefaultHandler()); // throws on fatal errors, prints nothing
            document = builder.parse(new ByteArrayInputStream(body));
        } catch (ParserConfigurationException | SAXException | IOException e) {
            throw new UnreadableException("not valid XML");
        }
        Element root = document.getDocumentElement();
        if (root == null || !"NativeDicomModel".equals(root.getLocalName() == null ? root.getTagName() : root.getLocalName())) {
            throw new UnreadableException("not a Native DICOM Model document");
        }
        Set<String> stored = new HashSet<>();
        Map<String, Integer> failed = new HashMap<>();
        for (Element item : xmlItems(root, REFERENCED_SOP_SEQUENCE)) {
            String uid = xmlString(item, REFERENCED_SOP_INSTANCE_UID);
            if (uid != null) {
                stored.add(uid);
            }
        }
        for (Element item : xmlItems(root, FAILED_SOP_SEQUENCE)) {
            String uid = xmlString(item, REFERENCED_SOP_INSTANCE_UID);
            if (uid != null) {
                failed.put(uid, reasonCode(xmlString(item, FAILURE_REASON)));
            }
        }
        return new StowResponse(stored, failed);
    }

    /** The Item elements of a sequence attribute that is a direct child of {@code parent}. */
    private static List<Element> xmlItems(Element parent, String tag) {
        List<Element> items = new ArrayList<>();
        Element attribute = xmlAttribute(parent, tag);
        if (attribute != null) {
            for (Node n = attribute.getFirstChild(); n != null; n = n.getNextSibling()) {
                if (n instanceof Element e && "Item".equals(e.getTagName())) {
                    items.add(e);
                }
            }
        }
        return items;
    }

    private static String xmlString(Element parent, String tag) {
        Element attribute = xmlAttribute(parent, tag);
        if (attribute == null) {
            return null;
        }
        for (Node n = attribute.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e && "Value".equals(e.getTagName())) {
                return e.getTextContent().trim();
            }
        }
        return null;
    }

    private static Element xmlAttribute(Element parent, String tag) {
        for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e && "DicomAttribute".equals(e.getTagName()) && tag.equalsIgnoreCase(e.getAttribute("tag"))) {
                return e;
            }
        }
        return null;
    }

    /** A Failure Reason as written: decimal in JSON and XML, though some peers write hex. */
    private static int reasonCode(String text) {
        if (text == null || text.isEmpty()) {
            return NO_REASON;
        }
        try {
            if (text.startsWith("0x") || text.startsWith("0X")) {
                return Integer.parseInt(text.substring(2), 16) & 0xFFFF;
            }
            return Integer.parseInt(text) & 0xFFFF;
        } catch (NumberFormatException e) {
            return NO_REASON;
        }
    }

    private static int firstNonBlank(byte[] body) {
        for (byte b : body) {
            if (!Character.isWhitespace(b)) {
                return b;
            }
        }
        return -1;
    }
}
