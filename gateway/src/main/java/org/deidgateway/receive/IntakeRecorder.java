package org.deidgateway.receive;

import org.deidgateway.store.StoreException;
import org.jboss.logging.Logger;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Writes the rows of received objects off the receiving thread, many per transaction. The objects
 * are durable in the spool before they are handed over here, so nothing is lost if the process ends
 * with rows unwritten: {@link IntakeLog#recover} writes them at the next start. What this saves is
 * a database commit (an fsync) between each object and its Success.
 */
public final class IntakeRecorder implements Runnable {

    private static final Logger LOG = Logger.getLogger(IntakeRecorder.class);
    private static final int MAX_BATCH = 500;
    private static final long GATHER_MILLIS = 5;

    private final IntakeLog intake;
    private final Runnable onRecorded;
    private final LinkedBlockingQueue<IntakeLog.Received> waiting = new LinkedBlockingQueue<>();
    private volatile boolean running = true;
    /** Why the last attempt to record failed, until a record or a probe succeeds again; null while all is well. */
    private volatile String unavailable;
    private static final long PROBE_MILLIS = 1000;

    /** {@code onRecorded} runs after each batch (the processor is woken with it). */
    public IntakeRecorder(IntakeLog intake, Runnable onRecorded) {
        this.intake = intake;
        this.onRecorded = onRecorded;
    }

    void submit(IntakeLog.Received object) throws StoreException {
        String reason = unavailable;
        if (reason != null) {
            throw new StoreException("the database is unavailable (" + reason + ")");
        }
        waiting.add(object);
    }

    /**
     * Why received objects cannot be recorded now, or null. While it is set the receiver answers
     * out-of-resources instead of Success (a sender retries, or sends to another node) rather than
     * piling up objects nobody can record; it clears itself when the database answers again.
     */
    public String unavailable() {
        return unavailable;
    }

    /** Objects handed over and not yet recorded. */
    public int backlog() {
        return waiting.size();
    }

    /** Stops after recording what was handed over so far. */
    public void stop() {
        running = false;
    }

    @Override
    public void run() {
        List<IntakeLog.Received> batch = new ArrayList<>();
        while (running || !waiting.isEmpty()) {
            try {
                IntakeLog.Received first = waiting.poll(100, TimeUnit.MILLISECONDS);
                if (first == null) {
                    if (unavailable != null) {
                        probe();
                    }
                    continue;
                }
                batch.add(first);
                // a moment for more to arrive: the rows of a busy association go in together
                Thread.sleep(GATHER_MILLIS);
                waiting.drainTo(batch, MAX_BATCH - 1);
                recordPatiently(batch);
                batch.clear();
                onRecorded.run();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** With nothing to record, a read shows whether the database answers again (a lost server connection is made anew). */
    private void probe() throws InterruptedException {
        try {
            intake.count(IntakeLog.STATE_RECEIVED);
            recovered();
        } catch (StoreException e) {
            unavailable = e.reason();
            Thread.sleep(PROBE_MILLIS);
        }
    }

    private void recovered() {
        if (unavailable != null) {
            LOG.infof("the database answers again; accepting objects");
            unavailable = null;
        }
    }

    /** A database that is locked or full for a while is waited out: the files are safe meanwhile. */
    private void recordPatiently(List<IntakeLog.Received> batch) throws InterruptedException {
        long pause = 100;
        while (true) {
            try {
                intake.recordAll(batch);
                recovered();
                return;
            } catch (StoreException e) {
                if (unavailable == null) {
                    LOG.errorf("not accepting objects until the database can record them again (%s)", e.reason());
                }
                unavailable = e.reason();
                if (!running) {
                    LOG.warnf("%d received objects not recorded before stopping (%s); they are recorded at the next start",
                            batch.size(), e.getMessage());
                    return;
                }
                LOG.warnf("cannot record %d received objects yet (%s); retrying", batch.size(), e.getMessage());
                Thread.sleep(pause);
                pause = Math.min(5_000, pause * 2);
            }
        }
    }
}
