package io.shm4j;

/**
 * Base of the unchecked exceptions shm4j throws when a region's contents or the protocol
 * around them forbid an operation. Every message names the region and says what to do.
 * I/O failures (a missing directory, a full {@code /dev/shm}) are {@link java.io.IOException}s.
 */
public class Shm4jException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public Shm4jException(String message) {
        super(message);
    }

    public Shm4jException(String message, Throwable cause) {
        super(message, cause);
    }
}
