package org.deidgateway.conformance;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.pixelmed.dicom.SOPClass;
import com.pixelmed.dicom.SOPClassDescriptions;
import com.pixelmed.dicom.TransferSyntax;
import org.deidgateway.config.DestinationConfig;
import org.deidgateway.config.DicomConfig;
import org.deidgateway.forward.DicomStoreClient;
import org.deidgateway.forward.StoreStatus;
import org.deidgateway.net.AssociateReject;
import org.deidgateway.net.AssociateRequest;
import org.deidgateway.net.AssociateRequest.ProposedContext;
import org.deidgateway.net.AssociateRequestEncoder;
import org.deidgateway.net.Implementation;
import org.deidgateway.pixel.PixelCleaner;
import org.deidgateway.profile.ConfidentialityProfile;
import org.deidgateway.profile.ProfileCatalog;
import org.deidgateway.profile.ProfileOption;
import org.deidgateway.receive.AssociationHandler;
import org.deidgateway.receive.DicomListener;
import org.deidgateway.receive.ReceiverSettings;
import org.deidgateway.receive.StoreService;
import org.deidgateway.receive.SupportedTransferSyntaxes;
import org.deidgateway.testsupport.TestData;
import org.deidgateway.tls.TlsPolicy;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.lang.reflect.RecordComponent;
import java.math.BigInteger;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The tables of docs/conformance-statement.md, rendered from the code's own constants and lists (the
 * association rejections from what a running listener answers), each as exact Markdown in a fixed order.
 */
final class ConformanceTables {

    private static final Path TS_SOURCE = TestData.repoRoot()
            .resolve("gateway/src/main/java/org/deidgateway/receive/SupportedTransferSyntaxes.java");
    /** UIDs by their numeric components, so 1.2.10 comes after 1.2.9. */
    private static final Comparator<String> UID_ORDER = (a, b) -> {
        String[] x = a.split("\\."), y = b.split("\\.");
        for (int i = 0, c; i < Math.min(x.length, y.length); i++) {
            if ((c = new BigInteger(x[i]).compareTo(new BigInteger(y[i]))) != 0) {
                return c;
            }
        }
        return Integer.compare(x.length, y.length);
    };
    /** When the receiver answers each C-STORE status: the code has the values, the words are ours. */
    private static final Map<String, String> STORE_STATUS_WHEN = Map.of(
            "SUCCESS", "the object is complete, matches its command, is fsynced in the spool and handed to the intake",
            "SOP_CLASS_NOT_SUPPORTED", "the command's SOP Class UID is not the abstract syntax of its presentation context",
            "OUT_OF_RESOURCES", "the spool file cannot be opened or written, or the database cannot record objects now",
            "DATA_SET_DOES_NOT_MATCH_SOP_CLASS", "the data set's SOP Class or Instance UID differ from the command's,"
                    + " or an image storage data set has no Pixel Data",
            "CANNOT_UNDERSTAND", "a C-STORE-RQ without data set, or a data set that is cut, corrupted or not DICOM");
    /** Statuses a destination may answer; how the forwarder treats each is StoreStatus's decision. */
    private static final int[] PEER_STATUSES = {0x0000, 0x0001, 0x0107, 0x0116, 0xB000, 0xB006, 0xB007, 0x0110, 0x0122,
        0x0124, 0x0210, 0x0211, 0x0213, 0xA700, 0xA7FF, 0xA900, 0xA9FF, 0xC000, 0xCFFF, 0xFE00};

    private ConformanceTables() {
    }

    /** Every generated section, by marker name. */
    static Map<String, String> sections() throws Exception {
        Map<String, String> s = new LinkedHashMap<>();
        s.put("implementation-identity", table(List.of("Implementation Class UID", "Implementation Version Name"),
                List.of(List.of(Implementation.CLASS_UID, Implementation.VERSION_NAME))));
        Map<String, String> storage = storageSopClasses();
        List<List<String>> standard = new ArrayList<>();
        String echo = AssociationHandler.VERIFICATION_SOP_CLASS;
        standard.add(List.of(SOPClassDescriptions.getDescriptionFromUID(echo), echo, "Yes",
                DicomStoreClient.VERIFICATION_SOP_CLASS.equals(echo) ? "Yes" : "No"));
        standard.addAll(sopClassRows(storage, uid -> uid.startsWith("1.2.840.10008."), true));
        s.put("sop-classes", table(List.of("SOP Class Name", "SOP Class UID", "SCP", "SCU"), standard));
        s.put("private-sop-classes", table(List.of("SOP Class Name", "SOP Class UID", "SCP", "SCU"),
                sopClassRows(storage, uid -> !uid.startsWith("1.2.840.10008."), true)));
        s.put("screen-capture-sop-classes", table(List.of("SOP Class Name", "SOP Class UID"),
                sopClassRows(storage, PixelCleaner::isScreenCaptureOrUltrasound, false)));
        s.put("verification-transfer-syntaxes", transferSyntaxTable(SupportedTransferSyntaxes.VERIFICATION));
        s.put("storage-transfer-syntaxes", transferSyntaxTable(SupportedTransferSyntaxes.STORAGE));
        s.put("association-rejections", rejections());
        s.put("scp-store-statuses", scpStatuses());
        List<List<String>> peer = new ArrayList<>();
        for (int code : PEER_STATUSES) {
            StoreStatus status = new StoreStatus(code, "");
            String action = status.stored() ? "delivered: the row is marked done"
                    : status.permanent() ? "dead letter: not sent again, the status is kept"
                    : "the destination pauses (backoff) and the object is sent again";
            peer.add(List.of(hex(code), status.outcome().name().charAt(0) + status.outcome().name().substring(1).toLowerCase(),
                    action));
        }
        s.put("scu-store-statuses", table(List.of("Status", "Outcome", "What the forwarder does"), peer));
        List<List<String>> suites = new ArrayList<>();
        for (int i = 0; i < TlsPolicy.CIPHER_SUITES.size(); i++) {
            String suite = TlsPolicy.CIPHER_SUITES.get(i);
            suites.add(List.of(String.valueOf(i + 1), "`" + suite + "`",
                    suite.matches("TLS_(AES|CHACHA20)_.*") ? "TLS 1.3" : "TLS 1.2"));
        }
        s.put("tls-cipher-suites", table(List.of("Preference", "Cipher suite", "Protocol"), suites));
        s.put("dicom-configuration", configTable("dicom.", new DicomConfig(null, null, null, null, null, null, null, null,
                null, null)));
        s.put("destination-configuration", configTable("destinations[].", new DestinationConfig(null, null, null, null)));
        List<List<String>> options = new ArrayList<>();
        options.add(List.of("(always)", ProfileOption.BASIC_PROFILE_CODE, ProfileOption.BASIC_PROFILE_MEANING, "Basic Profile"));
        for (ProfileOption o : ProfileOption.values()) {
            options.add(List.of("`" + o.yamlName() + "`", o.code(), o.codeMeaning(),
                    o.inTable() ? "`" + o.tableColumn() + "`" : "none (pixels)"));
        }
        s.put("profile-options", table(List.of("Option (profile YAML)", "CID 7050 code", "Code meaning",
                "Table E.1-1 column"), options));
        s.put("bundled-profiles", bundledProfiles());
        return s;
    }

    /** UID to name for every PixelMed SOP class constant that the listener accepts for storage. */
    private static Map<String, String> storageSopClasses() throws IllegalAccessException {
        Map<String, String> byUid = new TreeMap<>(UID_ORDER);
        for (Field f : SOPClass.class.getFields()) {
            if (Modifier.isStatic(f.getModifiers()) && f.getType() == String.class) {
                // the listener trims the UIDs it receives, so a constant with a stray space never matches
                String uid = ((String) f.get(null)).trim();
                if (AssociationHandler.acceptedForStorage(uid)) {
                    String described = SOPClassDescriptions.getDescriptionFromUID(uid);
                    String name = described == null || described.isBlank() ? "`" + f.getName() + "` (PixelMed has no name)"
                            : described;
                    byUid.merge(uid, name, (a, b) -> a.compareTo(b) <= 0 ? a : b);
                }
            }
        }
        return byUid;
    }

    private static List<List<String>> sopClassRows(Map<String, String> classes, Predicate<String> which, boolean roles) {
        return classes.entrySet().stream().filter(e -> which.test(e.getKey()))
                .map(e -> roles ? List.of(e.getValue(), e.getKey(), "Yes", "Yes")
                        : List.of(e.getValue(), e.getKey())).toList();
    }

    /** Names from PixelMed where it knows the UID, else from the comment beside the UID in SupportedTransferSyntaxes. */
    private static String transferSyntaxTable(Set<String> uids) throws Exception {
        String source = Files.readString(TS_SOURCE);
        List<List<String>> rows = new ArrayList<>();
        for (String uid : uids.stream().sorted(UID_ORDER).toList()) {
            TransferSyntax ts = new TransferSyntax(uid);
            String name = ts.isRecognized() ? ts.getDescription() : null;
            Matcher comment = Pattern.compile(Pattern.quote("\"" + uid + "\"") + "[,);\\s]*//\\s*(.+)").matcher(source);
            if (name == null && comment.find()) {
                name = comment.group(1).trim();
            }
            assertNotNull(name, "no name for transfer syntax " + uid + ": add a comment beside it in SupportedTransferSyntaxes");
            rows.add(List.of(name, uid, "SCP", "None"));
        }
        return table(List.of("Transfer Syntax Name", "Transfer Syntax UID", "Role", "Extended Negotiation"), rows);
    }

    /** What a running listener answers to requests it must reject, read off the wire. */
    private static String rejections() throws Exception {
        List<List<String>> rows = new ArrayList<>();
        ReceiverSettings settings = new ReceiverSettings("DEIDGW", "127.0.0.1", 0, 4, Duration.ofSeconds(5),
                Duration.ofSeconds(5), ReceiverSettings.DEFAULT_MAX_PDU_LENGTH, Set.of("PACS"));
        try (DicomListener listener = DicomListener.start(settings);
             DicomListener busy = DicomListener.start(new ReceiverSettings("DEIDGW", "127.0.0.1", 0, 0,
                     Duration.ofSeconds(5), Duration.ofSeconds(5), ReceiverSettings.DEFAULT_MAX_PDU_LENGTH, Set.of()))) {
            byte[] foreignContext = request("DEIDGW", "PACS");
            String context = AssociateRequest.DICOM_APPLICATION_CONTEXT;
            int at = new String(foreignContext, StandardCharsets.ISO_8859_1).indexOf(context) + context.length() - 1;
            foreignContext[at] = '2';
            rows.add(reject("an application context name other than `" + context + "`", listener, foreignContext));
            rows.add(reject("a called AE title that is neither `dicom.ae-title` nor a project's `called-ae-title`",
                    listener, request("SOMEONE_ELSE", "PACS")));
            rows.add(reject("a calling AE title not in a non-empty `dicom.allowed-calling-ae-titles`", listener,
                    request("DEIDGW", "STRANGER")));
            rows.add(reject("every association slot (`dicom.max-associations`) taken; plain TCP only", busy,
                    request("DEIDGW", "PACS")));
        }
        return table(List.of("Cause", "Result", "Source", "Reason", "Meaning"), rows);
    }

    private static byte[] request(String called, String calling) {
        return AssociateRequestEncoder.encode(called, calling, List.of(new ProposedContext(1,
                AssociationHandler.VERIFICATION_SOP_CLASS, List.of("1.2.840.10008.1.2"))), 16384);
    }

    private static List<String> reject(String cause, DicomListener listener, byte[] request) throws Exception {
        try (Socket socket = new Socket("127.0.0.1", listener.port())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(request);
            byte[] pdu = socket.getInputStream().readNBytes(10);
            assertTrue(pdu.length == 10 && pdu[0] == 0x03, "expected an A-ASSOCIATE-RJ for: " + cause);
            AssociateReject rj = AssociateReject.parse(Arrays.copyOfRange(pdu, 6, 10));
            return List.of(cause, rj.result() + (rj.permanent() ? " (permanent)" : " (transient)"),
                    String.valueOf(rj.source()), String.valueOf(rj.reason()), rj.describe().replaceFirst(".*: ", ""));
        }
    }

    private static String scpStatuses() throws IllegalAccessException {
        Map<Integer, String> codes = new TreeMap<>(intConstants(StoreService.class, n -> true));
        codes.putAll(intConstants(AssociationHandler.class, n -> n.equals("SOP_CLASS_NOT_SUPPORTED")));
        List<List<String>> rows = new ArrayList<>();
        for (Map.Entry<Integer, String> e : codes.entrySet()) {
            String when = STORE_STATUS_WHEN.get(e.getValue());
            assertNotNull(when, "C-STORE status " + e.getValue() + " has no description in STORE_STATUS_WHEN");
            String outcome = new StoreStatus(e.getKey(), "").outcome().name();
            rows.add(List.of(hex(e.getKey()), outcome.charAt(0) + outcome.substring(1).toLowerCase(), when));
        }
        return table(List.of("Status", "Status type", "Sent when"), rows);
    }

    private static String bundledProfiles() throws Exception {
        ProfileCatalog catalog = new ProfileCatalog(List.of(TestData.repoRoot().resolve("profiles")));
        List<List<String>> rows = new ArrayList<>();
        for (String name : catalog.names()) {
            ConfidentialityProfile p = catalog.load(name);
            String options = p.options().isEmpty() ? "none" : String.join(", ",
                    p.options().stream().map(o -> o.codeMeaning() + " (" + o.code() + ")").toList());
            String dates = p.has(ProfileOption.RETAIN_LONGITUDINAL_FULL_DATES) ? "kept"
                    : p.anonymizes() ? "shifted by a per-patient offset" : "as Table E.1-1 says (mostly emptied or removed)";
            rows.add(List.of("`" + name + "`", options, p.pseudonymizes() ? "yes" : "no", dates));
        }
        return table(List.of("Profile", "Options", "Correspondence table", "Dates"), rows);
    }

    /** deid.yaml keys of one configuration record, with what each means when absent (its xOrDefault accessor). */
    private static String configTable(String prefix, Record empty) throws Exception {
        List<List<String>> rows = new ArrayList<>();
        for (RecordComponent c : empty.getClass().getRecordComponents()) {
            String key = prefix + c.getAccessor().getAnnotation(JsonProperty.class).value();
            Object value = null;
            for (String suffix : List.of("OrDefault", "OrEmpty", "OrFalse")) {
                if (Stream.of(empty.getClass().getMethods()).anyMatch(m -> m.getName().equals(c.getName() + suffix))) {
                    value = empty.getClass().getMethod(c.getName() + suffix).invoke(empty);
                }
            }
            if (value instanceof Record nested) {
                String inner = configTable(key + ".", nested);
                inner.lines().skip(2).forEach(line -> rows.add(List.of(line.substring(2, line.length() - 2).split(" \\| "))));
            } else {
                rows.add(List.of("`" + key + "`", value == null ? "none"
                        : value instanceof List<?> list && list.isEmpty() ? "empty: no restriction" : "`" + value + "`"));
            }
        }
        return table(List.of("Key", "When absent"), rows);
    }

    static String jsonKey(Class<? extends Record> type, String component) throws NoSuchMethodException {
        return type.getMethod(component).getAnnotation(JsonProperty.class).value();
    }

    /** Public static int constants of a class by value, named. */
    private static Map<Integer, String> intConstants(Class<?> type, Predicate<String> names) throws IllegalAccessException {
        Map<Integer, String> found = new TreeMap<>();
        for (Field f : type.getFields()) {
            if (Modifier.isStatic(f.getModifiers()) && f.getType() == int.class && names.test(f.getName())) {
                found.put(f.getInt(null), f.getName());
            }
        }
        return found;
    }

    private static String hex(int code) {
        return String.format("0x%04X", code);
    }

    private static String table(List<String> header, List<List<String>> rows) {
        StringBuilder t = new StringBuilder("| ").append(String.join(" | ", header)).append(" |\n|");
        header.forEach(h -> t.append("---|"));
        t.append('\n');
        rows.forEach(r -> t.append("| ").append(String.join(" | ", r)).append(" |\n"));
        return t.toString();
    }

}
