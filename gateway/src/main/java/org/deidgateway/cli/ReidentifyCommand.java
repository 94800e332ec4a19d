package org.deidgateway.cli;

import org.deidgateway.vault.CuratorKeystore;
import org.deidgateway.vault.CuratorRegistry;
import org.deidgateway.vault.IdentityRecord;
import org.deidgateway.vault.ReidentifiedPatient;
import org.deidgateway.vault.Reidentifier;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

@Command(name = "reidentify", mixinStandardHelpOptions = true,
        description = {"Print the original identity behind a pseudonym (or behind a de-identified study's new "
                + "Study Instance UID), for a registered curator, with a mandatory reason. The act is written to the "
                + "audit trail before anything is shown; a refused attempt is audited too.",
                "The curator's keystore passphrase comes from DEID_CURATOR_PASSPHRASE or a prompt. Where the "
                + "configuration sets reidentification.four-eyes, a second curator approves with --approver-keystore "
                + "(passphrase from DEID_APPROVER_PASSPHRASE).",
                "The output is the identity itself: print it to a terminal, not to a shared file."})
final class ReidentifyCommand implements Callable<Integer> {

    @Option(names = "--home", required = true, paramLabel = "DIR", description = "Installation home.")
    Path home;

    @Option(names = "--curator-keystore", required = true, paramLabel = "FILE", description = "The curator's own keystore.")
    Path curatorKeystore;

    @Option(names = "--approver-keystore", paramLabel = "FILE", description = "A second curator's keystore (four-eyes).")
    Path approverKeystore;

    @Option(names = "--reason", required = true, paramLabel = "TEXT",
            description = "Why the identity is needed (audited; name no patient here).")
    String reason;

    @Option(names = "--project", paramLabel = "NAME", description = "Project, when the pseudonym is in several.")
    String project;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Target target;

    static final class Target {
        @Option(names = "--pseudonym", required = true, paramLabel = "PSEUDONYM", description = "The patient's pseudonym.")
        String pseudonym;
        @Option(names = "--study-uid", required = true, paramLabel = "NEW_UID",
                description = "Study Instance UID of de-identified data (as the repository has it).")
        String studyUid;
    }

    @Override
    public Integer call() {
        return Cli.run(() -> {
            if (reason.isBlank()) {
                throw new CliException("--reason must say why the identity is needed");
            }
            try (HomeAccess access = HomeAccess.open(home)) {
                CuratorKeystore curator = access.curatorKeystore(curatorKeystore, Passphrases.curator(false));
                CuratorKeystore approver = approverKeystore == null ? null
                        : access.curatorKeystore(approverKeystore, Passphrases.approver());
                Reidentifier reidentifier = new Reidentifier(access.vault(), new CuratorRegistry(access.database()),
                        access.audit());
                ReidentifiedPatient patient = reidentifier.reidentify(
                        new Reidentifier.Lookup(target.pseudonym, target.studyUid, project), curator, approver,
                        access.config().reidentificationOrDefault().fourEyesRequired(), reason);
                print(patient);
                return 0;
            }
        });
    }

    private static void print(ReidentifiedPatient patient) {
        IdentityRecord first = patient.parts().get(0);
        System.out.println("pseudonym     " + patient.pseudonym() + "  (project " + patient.project() + ")");
        System.out.println("patient ID    " + first.patientId()
                + (first.issuerOfPatientId().isEmpty() ? "" : "  (issuer " + first.issuerOfPatientId() + ")"));
        System.out.println("name          " + first.name());
        System.out.println("birth date    " + first.birthDate());
        System.out.println("sex           " + first.sex());
        System.out.println("studies       " + patient.parts().size());
        for (IdentityRecord part : patient.parts()) {
            System.out.println("  study date " + part.studyDate() + "  accession " + part.accessionNumber());
            System.out.println("    original study UID " + part.originalStudyInstanceUid());
            System.out.println("    new study UID      " + part.newStudyInstanceUid());
            if (!part.patientId().equals(first.patientId()) || !part.name().equals(first.name())
                    || !part.birthDate().equals(first.birthDate()) || !part.sex().equals(first.sex())) {
                System.out.println("    this study named the patient differently: ID " + part.patientId() + ", name "
                        + part.name() + ", birth date " + part.birthDate() + ", sex " + part.sex());
            }
        }
        System.out.println("audit entry   #" + patient.auditSeq());
    }
}
