/**
 * shm4j: processes on one host share live data through memory-mapped shared memory.
 *
 * <p>The API is the package {@link io.shm4j}. {@code io.shm4j.internal} (the byte layout, the
 * writer, the futex) is exported only to the command line, which inspects regions as stored.
 * The futex calls go through the FFM {@code Linker}: grant this module native access by name,
 * {@code java --enable-native-access=io.shm4j ...} (on the class path: {@code ALL-UNNAMED}).
 */
module io.shm4j {
    requires transitive tools.jackson.databind;

    exports io.shm4j;
    exports io.shm4j.internal to io.shm4j.cli;
}
