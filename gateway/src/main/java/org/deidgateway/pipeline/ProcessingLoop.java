package org.deidgateway.pipeline;

import org.deidgateway.metrics.RepeatedFailure;
import org.deidgateway.store.StoreException;
import org.jboss.logging.Logger;

import java.time.Duration;

/**
 * Runs the processor (or a pixel worker) until stopped; a database problem pauses it instead of
 * ending it.
 */
public final class ProcessingLoop implements Runnable {

    /** One round of work: how many objects it finished. */
    public interface Round {
        int processAvailable() throws StoreException;
    }

    private static final Logger LOG = Logger.getLogger(ProcessingLoop.class);
    /**
     * Objects arrive one by one: processed as they come, every object paid for its own
     * transaction and audit entry. A round that found fewer than this waits a moment first.
     */
    private static final int GATHER_BELOW = 16;
    private static final long GATHER_MILLIS = 10;
    private final Round processor;
    private volatile boolean running = true;
    /** A full disk fails every round, ten a second: said once, then once a minute. */
    private final RepeatedFailure failures;

    public ProcessingLoop(Processor processor) {
        this(processor::processAvailable, "processing");
    }

    /** {@code what} names the work in the log: "processing paused", "pixel cleaning paused". */
    public ProcessingLoop(Round round, String what) {
        this.processor = round;
        this.failures = new RepeatedFailure(LOG, Logger.Level.ERROR, what + " paused", what + " still paused",
                what + " resumed", Duration.ZERO);
    }

    private boolean woken;

    public void stop() {
        running = false;
        wake();
    }

    /** Objects were recorded: the idle pause ends now. */
    public synchronized void wake() {
        woken = true;
        notifyAll();
    }

    @Override
    public void run() {
        while (running) {
            int done;
            try {
                done = processor.processAvailable();
                failures.succeeded();
            } catch (StoreException e) {
                failures.failed(e.reason());
                done = 0;
            }
            if (done > 0 && done < GATHER_BELOW) {
                // a few more arrive while we wait a moment: one transaction and audit entry for them all
                try {
                    Thread.sleep(GATHER_MILLIS);
                } catch (InterruptedException e) {
                    return;
                }
            }
            if (done == 0) {
                try {
                    synchronized (this) {
                        if (!woken && running) {
                            wait(100);
                        }
                        woken = false;
                    }
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }
}
