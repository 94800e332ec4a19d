package org.deidgateway.conformance;

import com.pixelmed.dicom.Attribute;
import com.pixelmed.dicom.AttributeList;
import com.pixelmed.dicom.AttributeTag;
import com.pixelmed.dicom.TagFromName;
import org.deidgateway.config.DestinationConfig;
import org.deidgateway.config.DicomConfig;
import org.deidgateway.config.ProjectConfig;
import org.deidgateway.dicom.DicomFiles;
import org.deidgateway.dicom.DicomObject;
import org.deidgateway.forward.DicomStoreClient;
import org.deidgateway.forward.Association;
import org.deidgateway.forward.Destination;
import org.deidgateway.forward.DicomChannel;
import org.deidgateway.net.AssociateRequest;
import org.deidgateway.net.AssociateRequestEncoder;
import org.deidgateway.net.Implementation;
import org.deidgateway.profile.ProfileOption;
import org.deidgateway.receive.AssociationHandler;
import org.deidgateway.receive.ReceiverSettings;
import org.deidgateway.testsupport.TestData;
import org.deidgateway.tls.TlsPolicy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * docs/conformance-statement.md against the code. Every table between {@code <!-- generated: NAME -->}
 * and {@code <!-- end generated -->} must be exactly what {@link ConformanceTables} renders from the
 * code; the values the prose quotes must still be the code's. {@code -Ddeid.conformance.write=true}
 * rewrites the tables in place instead of failing.
 */
class ConformanceStatementTest {

    private static final Path DOC = TestData.repoRoot().resolve("docs/conformance-statement.md");
    private static final Pattern BEGIN = Pattern.compile("<!-- generated: ([a-z0-9-]+) -->\n");
    private static final String END = "<!-- end generated -->";
    private static final String REGENERATE = "./mvnw -B -ntp -o -q -pl gateway test -Dtest=ConformanceStatementTest"
            + " -Dsurefire.failIfNoSpecifiedTests=false -Ddeid.conformance.write=true";

    @Test
    void generatedTablesMatchTheCode() throws Exception {
        String doc = Files.readString(DOC);
        Map<String, String> sections = ConformanceTables.sections();
        StringBuilder rewritten = new StringBuilder();
        List<String> drifted = new ArrayList<>();
        Set<String> seen = new TreeSet<>();
        Matcher begin = BEGIN.matcher(doc);
        int copied = 0;
        while (begin.find()) {
            String name = begin.group(1);
            int end = doc.indexOf(END, begin.end());
            assertTrue(end >= 0, "generated section '" + name + "' has no " + END);
            assertTrue(seen.add(name), "generated section '" + name + "' appears twice");
            String want = sections.get(name);
            assertNotNull(want, "the document has a generated section '" + name + "' that this test does not render");
            String have = doc.substring(begin.end(), end);
            if (!have.equals(want)) {
                drifted.add(name + " (" + firstDifference(have, want) + ")");
            }
            rewritten.append(doc, copied, begin.end()).append(want);
            copied = end;
        }
        rewritten.append(doc.substring(copied));
        Set<String> missing = new TreeSet<>(sections.keySet());
        missing.removeAll(seen);
        assertTrue(missing.isEmpty(), "docs/conformance-statement.md lacks the generated sections " + missing);
        if (Boolean.getBoolean("deid.conformance.write")) {
            Files.writeString(DOC, rewritten.toString());
            return;
        }
        assertTrue(drifted.isEmpty(), "docs/conformance-statement.md no longer matches the code in the generated "
                + "section(s) " + drifted + ". If the code is right, regenerate the tables with: " + REGENERATE
                + " (then review the prose around them)");
    }

    @Test
    void factsQuotedInProseMatchTheCode(@TempDir Path temp) throws Exception {
        Destination forwarding = DicomChannel.parse("PEER@127.0.0.1:104", DicomConfig.DEFAULT_AE_TITLE);
        Map<String, Object> facts = new LinkedHashMap<>();
        facts.put("Implementation Class UID", Implementation.CLASS_UID);
        facts.put("Implementation Version Name", Implementation.VERSION_NAME);
        facts.put("application context name", AssociateRequest.DICOM_APPLICATION_CONTEXT);
        facts.put("default AE title", DicomConfig.DEFAULT_AE_TITLE);
        facts.put("default port", DicomConfig.DEFAULT_PORT);
        facts.put("default maximum associations", DicomConfig.DEFAULT_MAX_ASSOCIATIONS);
        facts.put("default maximum waiting connections", DicomConfig.DEFAULT_MAX_WAITING_CONNECTIONS);
        facts.put("default ARTIM timeout (s)", DicomConfig.DEFAULT_ARTIM_TIMEOUT_SECONDS);
        facts.put("default idle timeout (s)", DicomConfig.DEFAULT_IDLE_TIMEOUT_SECONDS);
        facts.put("maximum PDU length received as SCP", ReceiverSettings.DEFAULT_MAX_PDU_LENGTH);
        facts.put("maximum PDU length announced as SCU", Association.OUR_MAX_PDU_LENGTH);
        facts.put("cap on PDUs sent as SCU", Association.SEND_CAP);
        facts.put("presentation contexts per association as SCU", AssociateRequestEncoder.MAX_CONTEXTS);
        facts.put("associations per destination, at most", DestinationConfig.MAX_ASSOCIATIONS);
        facts.put("SCU connect timeout (s)", forwarding.connectTimeout().toSeconds());
        facts.put("SCU response timeout (s)", forwarding.responseTimeout().toSeconds());
        facts.put("SCU calling AE title is the listener's", "dicom." + ConformanceTables.jsonKey(DicomConfig.class, "aeTitle"));
        facts.put("project called AE title key", ConformanceTables.jsonKey(ProjectConfig.class, "calledAeTitle"));
        facts.put("project screen capture key", ConformanceTables.jsonKey(ProjectConfig.class, "acceptScreenCaptures"));
        facts.put("CID 7050 code of the Basic Profile", ProfileOption.BASIC_PROFILE_CODE);
        facts.put("Verification SOP Class (SCP)", AssociationHandler.VERIFICATION_SOP_CLASS);
        // what the writer of de-identified copies really puts into their file meta information
        Path copy = temp.resolve("copy.dcm");
        AttributeList dataset = new AttributeList();
        dataset.putNewAttribute(TagFromName.SOPClassUID).addValue("1.2.840.10008.5.1.4.1.1.7");
        dataset.putNewAttribute(TagFromName.SOPInstanceUID).addValue("2.25.1");
        DicomFiles.writeAtomically(new DicomObject(dataset, DicomStoreClient.EXPLICIT_VR_LITTLE_ENDIAN), copy);
        AttributeList meta = new AttributeList();
        meta.read(copy.toString());
        for (AttributeTag tag : List.of(TagFromName.ImplementationClassUID, TagFromName.ImplementationVersionName,
                TagFromName.SourceApplicationEntityTitle)) {
            facts.put("file meta of de-identified copies, " + tag,
                    Attribute.getSingleStringValueOrEmptyString(meta, tag).trim());
        }
        // the prose alone: a value that only a generated table shows proves nothing about the sentences
        String doc = Files.readString(DOC).replaceAll("(?s)<!-- generated: [a-z0-9-]+ -->\n.*?" + END, "");
        List<String> absent = new ArrayList<>();
        facts.forEach((what, value) -> {
            if (!doc.contains("`" + value + "`")) {
                absent.add(what + " `" + value + "`");
            }
        });
        TlsPolicy.PROTOCOLS.stream().filter(p -> !doc.contains("`" + p + "`")).forEach(p -> absent.add("TLS protocol `" + p + "`"));
        assertTrue(absent.isEmpty(), "docs/conformance-statement.md does not quote these values of the code: " + absent
                + "; correct the prose (the code is the reference)");
    }

    private static String firstDifference(String have, String want) {
        List<String> a = have.lines().toList(), b = want.lines().toList();
        for (int i = 0; i < Math.max(a.size(), b.size()); i++) {
            String x = i < a.size() ? a.get(i) : "(nothing)", y = i < b.size() ? b.get(i) : "(nothing)";
            if (!x.equals(y)) {
                return "line " + (i + 1) + " of the section: the document has '" + x + "', the code gives '" + y + "'";
            }
        }
        return "they differ in line endings";
    }
}
