package io.shm4j;

/**
 * No whole snapshot could be read within the retry budget: the master overwrote the slot during
 * every copy. Nothing torn is ever returned; the caller may simply try again.
 */
public final class InconsistentSnapshotException extends Shm4jException {
    private static final long serialVersionUID = 1L;

    public InconsistentSnapshotException(String message) {
        super(message);
    }
}
