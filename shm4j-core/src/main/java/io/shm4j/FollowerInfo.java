package io.shm4j;

import java.time.Duration;
import java.time.Instant;

/**
 * One follower registered for a tag, as {@link SharedObjectMaster#followers()} and
 * {@link SharedObject#followers} list it: who it is, which version it has read, how far behind
 * it is, and how it waits. A follower that may not write the tag's registry file (another user,
 * a read-only mount) reads unregistered and is not listed.
 *
 * <pre>{@code
 * for (FollowerInfo f : master.followers()) {
 *     System.out.printf("%d %s %s v%d lag %d%n", f.pid(), f.language(), f.name(), f.versionSeen(), f.lagVersions());
 * }
 * }</pre>
 *
 * @param pid          the follower's process id
 * @param alive        false for the entry of a process that died without closing its follower;
 *                     listed once, by the call that reclaims it
 * @param language     {@code "java"}, {@code "python"}, or {@code "unknown"}
 * @param name         what the follower calls itself ({@link ShmOptions#withFollowerName}); empty if unnamed
 * @param registeredAt when it registered
 * @param versionSeen  the newest version it has read; 0 if none yet
 * @param seenAt       when it read that version: the time it next started waiting for a newer one,
 *                     or, for a follower that has not waited since (a follower only calling
 *                     {@code get()}, or one whose waits end within their first few microseconds
 *                     of spinning), that version's publish time, a lower bound (a follower's
 *                     read path never reads the clock); null before its first read
 * @param lagVersions  how many versions it is behind the committed one (0: up to date)
 * @param lagTime      for how long the committed version has been waiting for it (zero when up to date)
 * @param waiting      how it waits right now
 */
public record FollowerInfo(long pid, boolean alive, String language, String name, Instant registeredAt,
                           long versionSeen, Instant seenAt, long lagVersions, Duration lagTime, Waiting waiting) {

    /** How a follower waits for the next version. */
    public enum Waiting {
        /** Not waiting: between reads, or reading. */
        NO,
        /**
         * Waiting without the kernel: spinning, yielding or parking briefly. A spinning wait is
         * shown once it outlasts its first few microseconds of checks.
         */
        SPINNING,
        /** Asleep in the kernel ({@code FUTEX_WAIT}): a publish wakes it with a system call. */
        ASLEEP
    }

    /** Whether it has read {@code version} or a later one. */
    public boolean hasSeen(long version) {
        return Long.compareUnsigned(versionSeen, version) >= 0;
    }
}
