package org.deidgateway.forward;

import org.deidgateway.forward.BatchDeliveryChannel.Outcome;

import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What a STOW-RS answer means for each object of the request (PS3.18 10.5.3):
 * <ul>
 * <li>200 (and any 2xx but 202): all stored.</li>
 * <li>202, or any 4xx whose body names instances (Orthanc answers 400 when one part of several
 * is not DICOM, listing the others as stored): each object as the body says; a failure reason
 * the peer may get over (0xA7xx out of resources, 0x0110 processing failure) is retried, the
 * others are dead letters with the reason code.</li>
 * <li>408, 429 and 5xx: the destination is busy or down; all wait, after Retry-After if given.</li>
 * <li>401, 403, 404, 405 and 3xx: the destination's configuration (credentials, URL), not the
 * objects: all stay queued and the destination is retried with backoff, as a DICOM destination
 * that rejects the association is; the reason says what to check.</li>
 * <li>409 without a readable body, any other 4xx: permanent, with the status.</li>
 * <li>400, 413 and 415 for several objects without a word on single ones: {@code null}, telling
 * the channel to send them one by one.</li>
 * </ul>
 */
final class StowRsOutcomes {

    private static final String CONFIGURATION_ERROR = ". This is a configuration error, not a fault of the objects: they"
            + " stay queued and are sent once it is fixed";

    private StowRsOutcomes() {
    }

    static List<Outcome> of(StowRsEndpoint endpoint, StowRsChannel.Answer answer, List<String> uids) {
        int status = answer.status();
        String address = endpoint.address();
        String http = address + " answered " + statusLine(status);
        if (status >= 200 && status < 300 && status != 202) {
            return all(uids, Outcome.DELIVERED);
        }
        if (status == 408 || status == 429 || status >= 500) {
            return all(uids, Outcome.transientFailure(http, retryAfter(answer.retryAfter(), Instant.now())));
        }
        StowResponse response = readable(answer);
        if (status == 202 || (status >= 400 && status < 500 && response != null && uids.stream().anyMatch(response::mentions))) {
            if (response == null) {
                return all(uids, Outcome.permanent(http + " (some instances not stored) with no readable list of "
                        + "which; the peer's log tells"));
            }
            List<Outcome> outcomes = new ArrayList<>(uids.size());
            for (String uid : uids) {
                outcomes.add(instance(address, http, status, response, uid));
            }
            return outcomes;
        }
        if ((status == 400 || status == 413 || status == 415) && uids.size() > 1) {
            return null;
        }
        String configuration = switch (status) {
            case 401 -> ": the destination wants credentials, or refuses the gateway's (check auth and auth-env of this "
                    + "destination in deid.yaml and the variable's value)";
            case 403 -> ": the gateway's credentials do not allow storing there";
            case 404, 405 -> ": no STOW-RS service at " + endpoint.uri() + " (the URL should end in /studies)";
            default -> status >= 300 && status < 400
                    ? ": redirected" + (answer.location() == null ? "" : " to " + answer.location())
                    + "; configure the URL it redirects to"
                    : null;
        };
        if (configuration != null) {
            return all(uids, Outcome.transientFailure(http + configuration + CONFIGURATION_ERROR, Duration.ZERO));
        }
        String why = switch (status) {
            case 409 -> ": the repository refused the instances (conflict) without saying which or why";
            case 413 -> ": the object is larger than the repository accepts";
            case 415 -> ": the repository does not take application/dicom parts";
            default -> "";
        };
        return all(uids, Outcome.permanent(http + why));
    }

    private static Outcome instance(String address, String http, int status, StowResponse response, String uid) {
        if (response.stored().contains(uid)) {
            return Outcome.DELIVERED;
        }
        Integer reason = response.failed().get(uid);
        if (reason == null) {
            return Outcome.permanent(http + " not mentioning instance " + uid);
        }
        if (reason == StowResponse.NO_REASON) {
            return Outcome.permanent(address + " refused instance " + uid + " (" + statusLine(status) + ", no failure reason)");
        }
        StoreStatus failure = new StoreStatus(reason, null);
        String text = address + " refused instance " + uid + ": failure reason " + failure.describe();
        // a peer may send a success or warning code in the Failed SOP Sequence by mistake: still not stored
        return failure.stored() || failure.permanent() ? Outcome.permanent(text) : Outcome.transientFailure(text, Duration.ZERO);
    }

    private static StowResponse readable(StowRsChannel.Answer answer) {
        if (answer.body() == null || !answer.body().complete() || answer.body().bytes().length == 0) {
            return null;
        }
        try {
            return StowResponse.parse(answer.contentType(), answer.body().bytes());
        } catch (StowResponse.UnreadableException e) {
            return null;
        }
    }

    private static List<Outcome> all(List<String> uids, Outcome outcome) {
        return uids.stream().map(u -> outcome).toList();
    }

    /** Retry-After as seconds or as an HTTP date (RFC 9110 10.2.3); zero when absent or unreadable. */
    static Duration retryAfter(String value, Instant now) {
        if (value == null || value.isBlank()) {
            return Duration.ZERO;
        }
        String v = value.trim();
        try {
            return Duration.ofSeconds(Math.max(0, Long.parseLong(v)));
        } catch (NumberFormatException e) {
            try {
                Duration d = Duration.between(now, ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant());
                return d.isNegative() ? Duration.ZERO : d;
            } catch (DateTimeParseException notADate) {
                return Duration.ZERO;
            }
        }
    }

    static String statusLine(int status) {
        String name = REASONS.get(status);
        return "HTTP " + status + (name == null ? "" : " " + name);
    }

    private static final Map<Integer, String> REASONS = Map.ofEntries(Map.entry(200, "OK"), Map.entry(202, "Accepted"),
            Map.entry(301, "Moved Permanently"), Map.entry(302, "Found"), Map.entry(307, "Temporary Redirect"),
            Map.entry(308, "Permanent Redirect"), Map.entry(400, "Bad Request"), Map.entry(401, "Unauthorized"),
            Map.entry(403, "Forbidden"), Map.entry(404, "Not Found"), Map.entry(405, "Method Not Allowed"),
            Map.entry(406, "Not Acceptable"), Map.entry(408, "Request Timeout"), Map.entry(409, "Conflict"),
            Map.entry(411, "Length Required"), Map.entry(413, "Content Too Large"), Map.entry(415, "Unsupported Media Type"),
            Map.entry(429, "Too Many Requests"), Map.entry(500, "Internal Server Error"), Map.entry(502, "Bad Gateway"),
            Map.entry(503, "Service Unavailable"), Map.entry(504, "Gateway Timeout"));
}
