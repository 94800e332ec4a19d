package org.deidgateway.vault;

import org.deidgateway.store.StoreException;
import org.deidgateway.vault.IdentityVault.IdentityRef;
import org.deidgateway.vault.IdentityVault.SealedPart;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.LongConsumer;

/**
 * Seals existing records to a newly added curator. The gateway cannot do this alone (it cannot
 * read what it sealed): an existing curator's keystore unwraps each data key, which is checked
 * against its record, then wrapped to the new curator. Works in batches, each one transaction.
 */
public final class Resealer {

    private static final int BATCH = 200;

    /** Counts: parts re-sealed, parts the source curator could not open, parts failing authentication. */
    public record Result(long resealed, long notOpenableBySource, long tampered) {
    }

    private final IdentityVault vault;

    public Resealer(IdentityVault vault) {
        this.vault = vault;
    }

    public Result reseal(Curator target, Curator source, CuratorKeystore sourceKeystore, LongConsumer progress)
            throws StoreException {
        long resealed = 0;
        long notOpenable = 0;
        long tampered = 0;
        long afterPart = 0;
        while (true) {
            long from = afterPart;
            List<Pending> batch = vault.database().read(c -> {
                List<Pending> pending = new ArrayList<>();
                try (PreparedStatement ps = c.prepareStatement("SELECT p.id, i.id, i.project, i.pseudonym, p.nonce, p.ciphertext,"
                        + " (SELECT wrapped_key FROM part_key WHERE part_id = p.id AND curator_id = ?)"
                        + " FROM identity_part p JOIN identity i ON i.id = p.identity_id"
                        + " WHERE p.id > ? AND NOT EXISTS (SELECT 1 FROM part_key WHERE part_id = p.id AND curator_id = ?)"
                        + " ORDER BY p.id LIMIT ?")) {
                    ps.setLong(1, source.id());
                    ps.setLong(2, from);
                    ps.setLong(3, target.id());
                    ps.setInt(4, BATCH);
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            pending.add(new Pending(new IdentityRef(rs.getLong(2), rs.getString(3), rs.getString(4)),
                                    new SealedPart(rs.getLong(1), rs.getBytes(5), rs.getBytes(6), Map.of()), rs.getBytes(7)));
                        }
                    }
                }
                return pending;
            });
            if (batch.isEmpty()) {
                return new Result(resealed, notOpenable, tampered);
            }
            List<Long> done = new ArrayList<>();
            List<byte[]> wrappedForTarget = new ArrayList<>();
            for (Pending p : batch) {
                afterPart = p.part().id();
                if (p.sourceWrapped() == null) {
                    notOpenable++;
                    continue;
                }
                byte[] dataKey = null;
                try {
                    dataKey = vault.unwrap(p.identity(), p.part(), p.sourceWrapped(), sourceKeystore);
                    vault.open(p.identity(), p.part(), dataKey);
                    wrappedForTarget.add(vault.wrap(p.identity(), dataKey, target));
                    done.add(p.part().id());
                } catch (TamperedRecordException e) {
                    tampered++;
                } finally {
                    if (dataKey != null) {
                        Arrays.fill(dataKey, (byte) 0);
                    }
                }
            }
            vault.database().inTransaction(c -> {
                for (int i = 0; i < done.size(); i++) {
                    IdentityVault.insertPartKey(c, done.get(i), target.id(), wrappedForTarget.get(i));
                }
                return null;
            });
            resealed += done.size();
            progress.accept(resealed + notOpenable + tampered);
        }
    }

    private record Pending(IdentityRef identity, SealedPart part, byte[] sourceWrapped) {
    }
}
