package org.deidgateway.vault;

import org.deidgateway.testsupport.TestDatabases;
import com.pixelmed.dicom.AttributeList;
import com.pixelmed.dicom.AttributeTag;
import com.pixelmed.dicom.CodeStringAttribute;
import com.pixelmed.dicom.DateAttribute;
import com.pixelmed.dicom.LongStringAttribute;
import com.pixelmed.dicom.PersonNameAttribute;
import com.pixelmed.dicom.ShortStringAttribute;
import com.pixelmed.dicom.TagFromName;
import com.pixelmed.dicom.UniqueIdentifierAttribute;
import org.deidgateway.audit.AuditLog;
import org.deidgateway.deid.Deidentifier;
import org.deidgateway.deid.DeidentifierFactory;
import org.deidgateway.pseudonym.PseudonymScheme;
import org.deidgateway.store.Database;
import org.deidgateway.testsupport.Engines;
import org.deidgateway.testsupport.TestData;

import java.nio.file.Path;

/** A real SQLite vault in a temporary folder, curators with real keystores, and synthetic patients. */
final class VaultFixture implements AutoCloseable {

    static final char[] CURATOR_PASSPHRASE = "curator-passphrase-1".toCharArray();

    final Path dir;
    final Database db;
    final IdentityVault vault;
    final CuratorRegistry curators;
    final AuditLog audit;

    VaultFixture(Path dir) throws Exception {
        this.dir = dir;
        this.db = TestDatabases.open(dir.resolve("deid.db"));
        this.vault = IdentityVault.open(db);
        this.curators = new CuratorRegistry(db);
        this.audit = new AuditLog(db);
    }

    /** Creates a curator keystore file for this installation and registers its public key. */
    CuratorKeystore addCurator(String name) throws Exception {
        CuratorKeystore keystore = CuratorKeystore.create(dir.resolve(name.replace(' ', '_') + ".p12"),
                CURATOR_PASSPHRASE, name, vault.installationId());
        curators.add(name, keystore.publicKey());
        return keystore;
    }

    Reidentifier reidentifier() {
        return new Reidentifier(vault, curators, audit);
    }

    Deidentifier engine(String project, PseudonymScheme scheme) throws Exception {
        return DeidentifierFactory.create(project, project.toUpperCase().replace('-', '_'), Engines.profile("pseudonymize"),
                TestData.secret(7), scheme);
    }

    /** A minimal CT instance of patient {@code n}, study {@code study}. */
    static AttributeList patient(int n, int study) throws Exception {
        AttributeList list = new AttributeList();
        put(list, new UniqueIdentifierAttribute(TagFromName.SOPClassUID), "1.2.840.10008.5.1.4.1.1.2");
        put(list, new UniqueIdentifierAttribute(TagFromName.SOPInstanceUID), "1.2.826.0.1.3680043.9.7777." + n + "." + study + ".1");
        put(list, new UniqueIdentifierAttribute(TagFromName.StudyInstanceUID), "1.2.826.0.1.3680043.9.7777." + n + "." + study);
        put(list, new UniqueIdentifierAttribute(TagFromName.SeriesInstanceUID), "1.2.826.0.1.3680043.9.7777." + n + "." + study + ".2");
        put(list, new LongStringAttribute(TagFromName.PatientID), patientId(n));
        put(list, new LongStringAttribute(TagFromName.IssuerOfPatientID), "HOSPITAL-A");
        put(list, new PersonNameAttribute(TagFromName.PatientName), patientName(n));
        put(list, new DateAttribute(TagFromName.PatientBirthDate), String.format("19%02d0%d1%d", 30 + n % 60, 1 + n % 9, n % 10));
        put(list, new CodeStringAttribute(TagFromName.PatientSex), n % 2 == 0 ? "F" : "M");
        put(list, new ShortStringAttribute(TagFromName.AccessionNumber), "ACC" + (n * 10 + study));
        put(list, new DateAttribute(TagFromName.StudyDate), "2024010" + (1 + study));
        put(list, new CodeStringAttribute(TagFromName.Modality), "CT");
        return list;
    }

    static String patientId(int n) {
        return "MRN" + (100000 + n);
    }

    static String patientName(int n) {
        return "Testpatient^Person" + n;
    }

    private static void put(AttributeList list, com.pixelmed.dicom.Attribute attribute, String value) throws Exception {
        attribute.addValue(value);
        list.put(attribute);
    }

    static AttributeTag tag(int group, int element) {
        return new AttributeTag(group, element);
    }

    @Override
    public void close() {
        db.close();
    }
}
