package io.shm4j.cli;

import io.shm4j.FollowerInfo;

import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;

/** {@code put --await-seen}: the version was published, but these live followers had not read it in time. */
final class NotSeenException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    NotSeenException(String tag, long version, Duration timeout, List<FollowerInfo> late) {
        super("region " + tag + " version " + Long.toUnsignedString(version) + " was published, but " + late.size()
                + " live follower(s) had not read it after " + timeout.toMillis() + " ms: " + late.stream()
                .map(f -> "pid " + f.pid() + " (" + f.language() + (f.name().isEmpty() ? "" : " " + f.name())
                        + ", at version " + Long.toUnsignedString(f.versionSeen()) + ", " + f.waiting().name().toLowerCase(java.util.Locale.ROOT) + ")")
                .collect(Collectors.joining(", ")) + "; see 'shm4j followers " + tag + "'");
    }
}
