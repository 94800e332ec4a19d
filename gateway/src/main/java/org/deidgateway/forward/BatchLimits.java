package org.deidgateway.forward;

import java.util.List;
import java.util.function.ToLongFunction;

/**
 * Bounds of one batch: at most {@code maxCount} objects and {@code maxBytes} bytes together. The
 * byte bound keeps one request short enough to finish within its timeout and to be worth
 * repeating after a failure; an object larger than the bound on its own still travels, alone.
 */
public record BatchLimits(int maxCount, long maxBytes) {

    /** 25 objects or 64 MiB: 25 CT slices of 512 KiB make a 13 MiB request; the byte bound is for multi-frame objects. */
    public static final BatchLimits STOW_RS_DEFAULT = new BatchLimits(25, 64L << 20);

    public BatchLimits {
        if (maxCount < 1 || maxBytes < 1) {
            throw new IllegalArgumentException("batch limits must be positive");
        }
    }

    /** How many of the first items make the next batch: at least one, whatever its size. */
    public <T> int firstBatchSize(List<T> items, ToLongFunction<T> size) {
        long bytes = 0;
        int count = 0;
        for (T item : items) {
            long next = size.applyAsLong(item);
            if (count == maxCount || (count > 0 && bytes + next > maxBytes)) {
                break;
            }
            bytes += next;
            count++;
        }
        return count;
    }
}
