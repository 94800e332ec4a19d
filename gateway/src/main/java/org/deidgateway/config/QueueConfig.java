package org.deidgateway.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * What the daemon's queue remembers: the record of a finished object (received, processed,
 * delivered everywhere) is forgotten {@code keep-delivered-days} after it finished, 0 keeps it for
 * ever. The audit trail keeps the history; these rows only feed {@code deid queue status}.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record QueueConfig(@JsonProperty("keep-delivered-days") Integer keepDeliveredDays) {

    public static final int DEFAULT_KEEP_DELIVERED_DAYS = 30;
    public static final int MAX_KEEP_DELIVERED_DAYS = 3650;
    public static final QueueConfig DEFAULT = new QueueConfig(null);

    @JsonCreator
    public QueueConfig {
    }

    public int keepDeliveredDaysOrDefault() {
        return keepDeliveredDays == null ? DEFAULT_KEEP_DELIVERED_DAYS : keepDeliveredDays;
    }
}
