package org.deidgateway.pipeline;

import org.deidgateway.store.StoreException;

/** Runs the processor until stopped; a database problem pauses it instead of ending it. */
public final class ProcessingLoop implements Runnable {
    /**
     * Objects arrive one by one: processed as they come, every object paid for its own
     * transaction and audit entry. A round that found fewer than this waits a moment first.
     */
    private static final int GATHER_BELOW = 16;
    private static final long GATHER_MILLIS = 10;
    private final Processor processor;
    private volatile boolean running = true;

    public ProcessingLoop(Processor processor) {
        this.processor = processor;
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
            } catch (StoreException e) {
                System.err.println("deid: processing paused: " + e.getMessage());
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
