package io.shm4j;

import java.nio.file.Path;
import java.time.Instant;

/**
 * One region of a directory, as {@link SharedObject#list} finds it.
 *
 * <pre>{@code
 * for (RegionInfo r : SharedObject.list(ShmOptions.defaults())) {
 *     System.out.println(r.tag() + " " + r.kind() + " v" + Long.toUnsignedString(r.version()) + (r.masterAlive() ? " (master running)" : ""));
 * }
 * }</pre>
 *
 * @param tag         the region's tag (its file name)
 * @param file        its file
 * @param size        the file's size in bytes
 * @param modified    for an object region, when its committed version was published ({@code null} if
 *                    none was); for a raw region, the file's last modification time; {@code null} for a
 *                    damaged one
 * @param kind        what the file holds
 * @param version     the committed version of an object region; 0 for other kinds
 * @param masterPid   the pid of the object region's last master; 0 if none or another kind
 * @param masterAlive whether that master still runs (pid and start time match, FORMAT.md 3.1)
 */
public record RegionInfo(String tag, Path file, long size, Instant modified, Kind kind, long version, long masterPid,
                         boolean masterAlive) {

    /** What a region file holds. */
    public enum Kind {
        /** A shared-object region ({@link SharedObject}): it starts with {@code SHM4JOBJ}. */
        OBJECT,
        /**
         * Starts like an object region but no reader accepts it: shorter than its header, or
         * failing a check of FORMAT.md section 4 (its followers would get {@link CorruptRegionException}).
         */
        DAMAGED_OBJECT,
        /** Any other content: a raw region ({@link MappedRegion}). */
        RAW
    }
}
