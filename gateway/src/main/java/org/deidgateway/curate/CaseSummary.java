package org.deidgateway.curate;

import java.time.LocalDate;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.Collection;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * What a curator sees of one held case: how many studies and instances, which modalities, the
 * first and last study date and the span between them, which decides the follow-up criterion.
 */
public record CaseSummary(String project, String pseudonym, int studies, int instances, SortedSet<String> modalities,
                          Optional<LocalDate> firstStudy, Optional<LocalDate> lastStudy) {

    public static CaseSummary of(String project, String pseudonym, Collection<HeldInstance> held) {
        SortedSet<String> studies = new TreeSet<>();
        SortedSet<String> modalities = new TreeSet<>();
        LocalDate first = null;
        LocalDate last = null;
        for (HeldInstance h : held) {
            studies.add(h.studyUid());
            if (!h.modality().isBlank()) {
                modalities.add(h.modality());
            }
            Optional<LocalDate> date = studyDate(h.studyDate());
            if (date.isPresent()) {
                first = first == null || date.get().isBefore(first) ? date.get() : first;
                last = last == null || date.get().isAfter(last) ? date.get() : last;
            }
        }
        return new CaseSummary(project, pseudonym, studies.size(), held.size(), modalities, Optional.ofNullable(first),
                Optional.ofNullable(last));
    }

    /** Whole months from the first to the last study; empty when no study has a readable date. */
    public Optional<Long> followUpMonths() {
        if (firstStudy.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(ChronoUnit.MONTHS.between(firstStudy.get(), lastStudy.get()));
    }

    /** Whether the case spans at least {@code minMonths} (0: no criterion, always true). */
    public boolean meetsFollowUp(int minMonths) {
        if (minMonths <= 0) {
            return true;
        }
        return firstStudy.isPresent() && !firstStudy.get().plusMonths(minMonths).isAfter(lastStudy.get());
    }

    static Optional<LocalDate> studyDate(String da) {
        String value = da == null ? "" : da.trim();
        if (value.length() != 8) {
            return Optional.empty();
        }
        try {
            return Optional.of(LocalDate.parse(value, DateTimeFormatter.BASIC_ISO_DATE));
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }
}
