package org.deidgateway.pipeline;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * Runs one step over every item of a batch on a few threads and gives the results back in the
 * batch's order. With one thread the step runs on the caller's thread and the batch stops at the
 * first result {@code stop} accepts; with more, every item is already under way by then, so all
 * are finished and the caller decides what to keep. Either way nothing of the batch is still
 * running when {@link #map} returns.
 */
final class BatchWorkers implements AutoCloseable {

    private final ExecutorService pool;

    BatchWorkers(int threads, String name) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads: " + threads);
        }
        AtomicInteger count = new AtomicInteger();
        pool = threads == 1 ? null : Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, name + "-" + count.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    <I, O> List<O> map(List<I> batch, Function<I, O> step, Predicate<O> stop) {
        List<O> results = new ArrayList<>(batch.size());
        if (pool == null || batch.size() < 2) {
            for (I item : batch) {
                O result = step.apply(item);
                results.add(result);
                if (stop.test(result)) {
                    break;
                }
            }
            return results;
        }
        List<Future<O>> futures = new ArrayList<>(batch.size());
        for (I item : batch) {
            futures.add(pool.submit(() -> step.apply(item)));
        }
        RuntimeException unexpected = null;
        boolean interrupted = false;
        for (Future<O> future : futures) {
            while (true) {
                try {
                    results.add(future.get());
                    break;
                } catch (InterruptedException e) {
                    // the rest of the batch runs on regardless: wait for it, and say so afterwards
                    interrupted = true;
                } catch (ExecutionException e) {
                    if (e.getCause() instanceof Error error) {
                        throw error;
                    }
                    if (unexpected == null) {
                        unexpected = e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
                    }
                    break;
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        if (unexpected != null) {
            throw unexpected;
        }
        return results;
    }

    @Override
    public void close() {
        if (pool != null) {
            pool.shutdown();
        }
    }
}
