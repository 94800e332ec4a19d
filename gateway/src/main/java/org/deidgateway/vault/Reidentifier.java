package org.deidgateway.vault;

import org.deidgateway.audit.AuditEvent;
import org.deidgateway.audit.AuditLog;
import org.deidgateway.store.StoreException;
import org.deidgateway.vault.IdentityVault.IdentityRef;
import org.deidgateway.vault.IdentityVault.SealedPart;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Opens one patient's record for a curator, and only after the act is in the audit trail. The
 * curator proves who they are by their keystore: its key must be registered and active, and must
 * unwrap the record's data keys. Under four-eyes the approver proves the same with their own
 * keystore, on the same record.
 */
public final class Reidentifier {

    private final IdentityVault vault;
    private final CuratorRegistry curators;
    private final AuditLog audit;

    public Reidentifier(IdentityVault vault, CuratorRegistry curators, AuditLog audit) {
        this.vault = vault;
        this.curators = curators;
        this.audit = audit;
    }

    /** Which record: by pseudonym or by the new Study Instance UID found in de-identified data. */
    public record Lookup(String pseudonym, String newStudyUid, String project) {
        String describe() {
            return pseudonym != null ? "pseudonym " + pseudonym : "study " + newStudyUid;
        }
    }

    public ReidentifiedPatient reidentify(Lookup lookup, CuratorKeystore curatorKeystore, CuratorKeystore approverKeystore,
                                          boolean fourEyes, String reason) throws VaultException, StoreException {
        if (reason == null || reason.isBlank()) {
            throw new VaultException("a reason is mandatory for every re-identification (--reason)");
        }
        Curator curator = null;
        Curator approver = null;
        try {
            curator = registered(curatorKeystore, "curator");
            if (approverKeystore != null) {
                approver = registered(approverKeystore, "approver");
                if (approver.id() == curator.id()) {
                    throw new VaultException("the approver must be another curator than '" + curator.name() + "' (four-eyes)");
                }
            } else if (fourEyes) {
                throw new VaultException("four-eyes re-identification is required by this installation: a second "
                        + "curator must approve with --approver-keystore");
            }
            IdentityRef identity = find(lookup);
            List<IdentityRecord> parts = open(identity, curator, curatorKeystore, approver, approverKeystore);
            Map<String, Object> details = new LinkedHashMap<>();
            details.put("project", identity.project());
            details.put("pseudonym", identity.pseudonym());
            details.put("curator", curator.name());
            details.put("approver", approver == null ? "" : approver.name());
            details.put("reason", reason.strip());
            details.put("parts", parts.size());
            // audited before anything is shown: without the entry nothing is returned
            long seq = audit.append(AuditEvent.REIDENTIFIED, curator.name(), details);
            return new ReidentifiedPatient(identity.project(), identity.pseudonym(), parts, seq);
        } catch (VaultException e) {
            Map<String, Object> details = new LinkedHashMap<>();
            details.put("lookup", lookup.describe());
            details.put("curator", curator == null ? curatorKeystore.curatorName() + " (unregistered key)" : curator.name());
            details.put("approver", approver == null ? "" : approver.name());
            details.put("reason", reason.strip());
            details.put("refused", e.getMessage());
            audit.append(AuditEvent.REIDENTIFICATION_REFUSED, curator == null ? "unknown" : curator.name(), details);
            throw e;
        }
    }

    private Curator registered(CuratorKeystore keystore, String role) throws VaultException, StoreException {
        return curators.requireActive(keystore, vault.installationId(), role);
    }

    private IdentityRef find(Lookup lookup) throws VaultException, StoreException {
        List<IdentityRef> found = lookup.pseudonym() != null
                ? vault.findByPseudonym(lookup.pseudonym(), lookup.project())
                : vault.findByNewStudyUid(lookup.newStudyUid(), lookup.project());
        if (found.isEmpty()) {
            throw new VaultException("no record for " + lookup.describe()
                    + (lookup.project() == null ? "" : " in project " + lookup.project()));
        }
        if (found.size() > 1) {
            throw new VaultException(lookup.describe() + " is in several projects; choose one with --project");
        }
        return found.get(0);
    }

    private List<IdentityRecord> open(IdentityRef identity, Curator curator, CuratorKeystore keystore, Curator approver,
                                      CuratorKeystore approverKeystore) throws VaultException, StoreException {
        List<SealedPart> sealed = vault.database().read(c -> vault.sealedParts(c, identity.id()));
        if (sealed.isEmpty()) {
            throw new VaultException("pseudonym " + identity.pseudonym() + " has no sealed record yet");
        }
        List<IdentityRecord> parts = new ArrayList<>();
        for (SealedPart part : sealed) {
            byte[] dataKey = dataKey(identity, part, curator, keystore);
            try {
                if (approver != null) {
                    byte[] approverKey = dataKey(identity, part, approver, approverKeystore);
                    boolean same = Arrays.equals(dataKey, approverKey);
                    Arrays.fill(approverKey, (byte) 0);
                    if (!same) {
                        throw new TamperedRecordException("the record of pseudonym " + identity.pseudonym() + " (part "
                                + part.id() + ") has different keys for curator and approver: altered on disk; not shown");
                    }
                }
                parts.add(vault.open(identity, part, dataKey));
            } finally {
                Arrays.fill(dataKey, (byte) 0);
            }
        }
        return parts;
    }

    private byte[] dataKey(IdentityRef identity, SealedPart part, Curator curator, CuratorKeystore keystore)
            throws VaultException {
        byte[] wrapped = part.wrappedKeys().get(curator.id());
        if (wrapped == null) {
            throw new VaultException("part " + part.id() + " of pseudonym " + identity.pseudonym() + " was sealed before '"
                    + curator.name() + "' was registered and is not re-sealed to them; a curator who can open it runs: "
                    + "deid curator reseal --name '" + curator.name() + "'");
        }
        return vault.unwrap(identity, part, wrapped, keystore);
    }
}
