package org.deidgateway.cli;

import com.pixelmed.dicom.Attribute;
import com.pixelmed.dicom.AttributeList;
import com.pixelmed.dicom.CodeStringAttribute;
import com.pixelmed.dicom.DateAttribute;
import com.pixelmed.dicom.LongStringAttribute;
import com.pixelmed.dicom.PersonNameAttribute;
import com.pixelmed.dicom.TagFromName;
import com.pixelmed.dicom.UniqueIdentifierAttribute;
import org.deidgateway.audit.AuditEvent;
import org.deidgateway.audit.AuditLog;
import org.deidgateway.config.ProjectConfig;
import org.deidgateway.deid.DeidentifiedInstance;
import org.deidgateway.deid.Deidentifier;
import org.deidgateway.forward.Outbox;
import org.deidgateway.keystore.GatewayKeystore;
import org.deidgateway.pipeline.Processor;
import org.deidgateway.profile.ConfidentialityProfile;
import org.deidgateway.profile.ProfileCatalog;
import org.deidgateway.store.Database;
import org.deidgateway.vault.IdentityVault;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * Gives a bench home the state of months of work without sending it months of objects: received
 * rows, deliveries and audit entries as the pipeline leaves them for delivered objects, and an
 * identity with a sealed part per synthetic patient, all through the gateway's own tables and code.
 * Issue 14 asks whether throughput after a million objects is what it is on a fresh home.
 */
@Command(name = "bench-history", hidden = true, mixinStandardHelpOptions = true,
        description = "Benchmark: fill a home's database with the history of OBJECTS delivered objects (bench/).")
final class BenchHistoryCommand implements Callable<Integer> {

    private static final int CHUNK = 20_000;

    @Option(names = "--home", required = true, paramLabel = "DIR")
    Path home;

    @Option(names = "--objects", required = true, paramLabel = "N", description = "Objects of history, e.g. 1000000.")
    long objects;

    @Option(names = "--per-study", defaultValue = "300", paramLabel = "N", description = "Objects per patient (one study each).")
    int perStudy;

    @Option(names = "--destination", required = true, paramLabel = "NAME", description = "The destination they went to.")
    String destination;

    @Override
    public Integer call() {
        return Cli.run(() -> {
            if (objects < 1 || perStudy < 1) {
                throw new CliException("--objects and --per-study must be at least 1");
            }
            try (HomeAccess access = HomeAccess.open(home)) {
                ProjectConfig project = access.config().projects().get(0);
                ConfidentialityProfile profile = ProfileCatalog.forHome(home).load(project.profile());
                GatewayKeystore keystore = access.keystore();
                Deidentifier engine = access.engine(project, profile, keystore);
                IdentityVault vault = access.vault();
                Database db = access.database();
                AuditLog audit = new AuditLog(db);
                Path spool = access.layout.home().resolve("spool");
                Files.createDirectories(spool);
                long started = System.nanoTime();
                long done = 0;
                while (done < objects) {
                    long first = done;
                    long last = Math.min(objects, done + CHUNK);
                    db.inTransaction(c -> {
                        String now = Instant.now().toString();
                        try (PreparedStatement received = c.prepareStatement("INSERT INTO received(spool_file, calling_ae,"
                                + " called_ae, sop_class_uid, transfer_syntax_uid, size, received_at, state, updated_at)"
                                + " VALUES (?, 'PACS', 'DEIDGW', '1.2.840.10008.5.1.4.1.1.2', '1.2.840.10008.1.2.1', 525000, ?, ?, ?)")) {
                            for (long i = first; i < last; i++) {
                                received.setString(1, "history-" + i + ".dcm");
                                received.setString(2, now);
                                received.setString(3, Processor.PROCESSED);
                                received.setString(4, now);
                                received.addBatch();
                            }
                            received.executeBatch();
                        }
                        long firstId;
                        try (var s = c.createStatement(); var rs = s.executeQuery("SELECT max(id) FROM received")) {
                            firstId = rs.getLong(1) - (last - first) + 1;
                        }
                        String pseudonym = null;
                        String study = null;
                        for (long i = first; i < last; i++) {
                            if (i % perStudy == 0 || pseudonym == null) {
                                DeidentifiedInstance patient = engine.deidentify(syntheticPatient(i / perStudy));
                                vault.record(project.name(), patient);
                                pseudonym = patient.pseudonym();
                                study = patient.studyInstanceUid();
                            }
                            long id = firstId + (i - first);
                            Outbox.add(c, id, List.of(destination), id + ".dcm", pseudonym + "/" + study + "/2.25." + i
                                    + "/2.25." + (i + 1) + ".dcm");
                            if (i % 64 == 63 || i % perStudy == perStudy - 1) {
                                audit.append(AuditEvent.DEIDENTIFIED, "receiver", Map.of("project", project.name(),
                                        "pseudonym", pseudonym, "instances", 64));
                            }
                        }
                        try (PreparedStatement ps = c.prepareStatement("UPDATE outbox SET state = ?, attempts = 1"
                                + " WHERE received_id >= ? AND received_id < ?")) {
                            ps.setString(1, Outbox.DELIVERED);
                            ps.setLong(2, firstId);
                            ps.setLong(3, firstId + (last - first));
                            ps.executeUpdate();
                        }
                        return null;
                    });
                    done = last;
                    System.err.printf("deid: history %,d of %,d objects (%.0f s)%n", done, objects,
                            (System.nanoTime() - started) / 1e9);
                }
                access.checkpoint(keystore);
                System.out.printf("history of %,d objects (%,d patients) written in %.0f s; database %,d MiB%n", objects,
                        (objects + perStudy - 1) / perStudy, (System.nanoTime() - started) / 1e9,
                        db.file().isEmpty() ? 0 : (Files.size(db.file().get()) + walSize(db.file().get())) >> 20);
                return 0;
            }
        });
    }

    private static long walSize(Path database) throws java.io.IOException {
        Path wal = database.resolveSibling(database.getFileName() + "-wal");
        return Files.exists(wal) ? Files.size(wal) : 0;
    }

    /** The identifying header of synthetic patient {@code n}: enough for the engine and the vault. */
    private static AttributeList syntheticPatient(long n) throws Exception {
        AttributeList list = new AttributeList();
        put(list, new UniqueIdentifierAttribute(TagFromName.SOPClassUID), "1.2.840.10008.5.1.4.1.1.2");
        put(list, new UniqueIdentifierAttribute(TagFromName.SOPInstanceUID), "2.25.7" + n + ".1");
        put(list, new UniqueIdentifierAttribute(TagFromName.StudyInstanceUID), "2.25.7" + n);
        put(list, new UniqueIdentifierAttribute(TagFromName.SeriesInstanceUID), "2.25.7" + n + ".2");
        put(list, new LongStringAttribute(TagFromName.PatientID), "HISTORY" + n);
        put(list, new PersonNameAttribute(TagFromName.PatientName), "History^Patient" + n);
        put(list, new DateAttribute(TagFromName.PatientBirthDate), "19500101");
        put(list, new CodeStringAttribute(TagFromName.PatientSex), n % 2 == 0 ? "F" : "M");
        put(list, new DateAttribute(TagFromName.StudyDate), "20240101");
        put(list, new CodeStringAttribute(TagFromName.Modality), "CT");
        return list;
    }

    private static void put(AttributeList list, Attribute attribute, String value) throws Exception {
        attribute.addValue(value);
        list.put(attribute);
    }
}
