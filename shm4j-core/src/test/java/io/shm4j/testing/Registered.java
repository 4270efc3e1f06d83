package io.shm4j.testing;

import io.shm4j.internal.FollowerRegistry;
import io.shm4j.internal.FollowerRegistryDescriptor;
import io.shm4j.internal.MasterWakeups;
import io.shm4j.internal.Sleepers;
import io.shm4j.ShmOptions;

import java.io.IOException;
import java.nio.file.Path;

/** Test helpers: a follower's registry entry and legacy file, a master's wake-up check, for a region path. */
public final class Registered {
    private Registered() {
    }

    public static FollowerRegistry.Entry entry(Path regionFile, ShmOptions options) throws IOException {
        return FollowerRegistry.open(regionFile, options, true).register("test", FollowerRegistryDescriptor.LANGUAGE_JAVA);
    }

    public static Sleepers legacy(Path regionFile, ShmOptions options) throws IOException {
        return Sleepers.open(regionFile, options, false);
    }

    public static MasterWakeups wakeups(Path regionFile, ShmOptions options) {
        return MasterWakeups.open(regionFile.getFileName().toString(), regionFile, options);
    }
}
