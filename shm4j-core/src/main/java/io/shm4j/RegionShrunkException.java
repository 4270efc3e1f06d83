package io.shm4j;

/**
 * A region file became shorter than its header says while this process had it mapped: another
 * program truncated it ({@code truncate}, a copy tool), since shm4j never shrinks a live file.
 * The JVM reports an access to the lost pages as an {@link InternalError}; shm4j turns it into
 * this exception, which names the file and its size (FORMAT.md 5.4). The same holds for the
 * tag's follower registry ({@code TAG~followers}, FORMAT.md 3.3): listing followers from a
 * registry that shrank under this process throws it, naming that file.
 *
 * <p>What happens next: a {@link SharedObjectMaster} does not throw it from {@code publish} but
 * moves the region to a new, whole file holding the version it publishes (as growth does), and
 * logs a warning. A {@link SharedObjectFollower} follows the tag to that file on its next read;
 * until a master moves the region, its reads throw this exception (nothing is returned from the
 * damaged file). A {@link MappedRegion} throws it from the access that faulted. A registry or
 * legacy sleepers file ({@code TAG~sleepers}) that shrank costs neither role its work: the master
 * publishes and wakes on every publish from then on, a follower reads unregistered and polls;
 * each logs a warning naming the file.
 *
 * <pre>{@code
 * try {
 *     config = follower.get();
 * } catch (RegionShrunkException e) {
 *     log.warn(e.getMessage());   // keep the last good value until the master republishes
 * }
 * }</pre>
 */
public final class RegionShrunkException extends Shm4jException {
    private static final long serialVersionUID = 1L;

    public RegionShrunkException(String message, Throwable cause) {
        super(message, cause);
    }
}
