package io.shm4j;

import io.shm4j.internal.FollowerRegistry;
import io.shm4j.internal.FollowerRegistryDescriptor;
import io.shm4j.internal.ObjectRegion;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/** Turns a tag's {@link FollowerRegistry} entries into {@link FollowerInfo}s, and waits for a version to reach them. */
final class Followers {
    /** How often {@link #awaitSeen} checks that the followers it waits for still live. */
    private static final long LIVENESS_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    private static final long MAX_POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

    private Followers() {
    }

    /** Every registered follower of {@code region}'s tag, reclaiming dead entries (listed once, not alive). */
    static List<FollowerInfo> list(FollowerRegistry registry, ObjectRegion region) {
        return registry == null ? List.of() : infos(registry.entries(), region);
    }

    /**
     * Waits until every live registered follower has read {@code version} or later; returns
     * those that had not by {@code timeoutNanos} (empty: all had).
     */
    static List<FollowerRegistry.Record> awaitSeen(FollowerRegistry registry, long version, long timeoutNanos)
            throws InterruptedException {
        if (registry == null) {
            return List.of();
        }
        long start = System.nanoTime();
        long lastLiveness = start;
        List<FollowerRegistry.Record> pending = behind(registry.entries(), version);
        long park = TimeUnit.MICROSECONDS.toNanos(10);
        while (true) {
            if (pending.isEmpty()) {
                return List.of();
            }
            long now = System.nanoTime();
            if (now - start >= timeoutNanos) {
                return behind(registry.entries(), version);
            }
            if (Thread.interrupted()) {
                throw new InterruptedException();
            }
            LockSupport.parkNanos(Math.min(park, timeoutNanos - (now - start)));
            park = Math.min(park * 2, MAX_POLL_NANOS);
            if (now - lastLiveness >= LIVENESS_INTERVAL_NANOS) {
                lastLiveness = now;
                pending = behind(registry.entries(), version); // drops the dead, adds newcomers
            } else {
                pending = behind(registry.peek(pending), version);
            }
        }
    }

    private static List<FollowerRegistry.Record> behind(List<FollowerRegistry.Record> records, long version) {
        List<FollowerRegistry.Record> behind = new ArrayList<>();
        for (FollowerRegistry.Record r : records) {
            if (r.alive() && Long.compareUnsigned(r.seenVersion(), version) < 0) {
                behind.add(r);
            }
        }
        return behind;
    }

    static List<FollowerInfo> infos(List<FollowerRegistry.Record> records, ObjectRegion region) {
        long committed = region.committedAcquire();
        ObjectRegion.SlotFields slot = region.slotFields((int) (committed & 1));
        Instant committedAt = committed != 0 && slot.version() == committed
                ? Instant.ofEpochSecond(0, slot.publishTimeNanos()) : null;
        Instant now = Instant.now();
        List<FollowerInfo> infos = new ArrayList<>(records.size());
        for (FollowerRegistry.Record r : records) {
            long lag = Long.compareUnsigned(committed, r.seenVersion()) > 0 ? committed - r.seenVersion() : 0;
            Duration lagTime = lag == 0 || committedAt == null || committedAt.isAfter(now)
                    ? Duration.ZERO : Duration.between(committedAt, now);
            infos.add(new FollowerInfo(r.pid(), r.alive(), language(r.language()), r.name(),
                    Instant.ofEpochMilli(r.registeredMillis()), r.seenVersion(),
                    r.seenAtMillis() == 0 ? null : Instant.ofEpochMilli(r.seenAtMillis()), lag, lagTime,
                    waiting(r.state())));
        }
        return infos;
    }

    private static String language(int code) {
        return switch (code) {
            case FollowerRegistryDescriptor.LANGUAGE_JAVA -> "java";
            case FollowerRegistryDescriptor.LANGUAGE_PYTHON -> "python";
            default -> "unknown";
        };
    }

    private static FollowerInfo.Waiting waiting(int state) {
        return switch (state) {
            case FollowerRegistryDescriptor.STATE_SPINNING -> FollowerInfo.Waiting.SPINNING;
            case FollowerRegistryDescriptor.STATE_ASLEEP -> FollowerInfo.Waiting.ASLEEP;
            default -> FollowerInfo.Waiting.NO;
        };
    }
}
