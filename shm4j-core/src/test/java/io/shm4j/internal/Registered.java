package io.shm4j.internal;

import io.shm4j.ShmOptions;

import java.io.IOException;
import java.nio.file.Path;

/** Test helpers: a follower's registry entry and legacy file, a master's wake-up check, for a region path. */
final class Registered {
    private Registered() {
    }

    static FollowerRegistry.Entry entry(Path regionFile, ShmOptions options) throws IOException {
        return FollowerRegistry.open(regionFile, options, true).register("test", FollowerRegistryDescriptor.LANGUAGE_JAVA);
    }

    static Sleepers legacy(Path regionFile, ShmOptions options) throws IOException {
        return Sleepers.open(regionFile, options, false);
    }

    static MasterWakeups wakeups(Path regionFile, ShmOptions options) {
        return MasterWakeups.open(regionFile.getFileName().toString(), regionFile, options);
    }
}
