package io.shm4j;

/** A region tag that is not a safe file name; the message says what is allowed. */
public final class InvalidTagException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public InvalidTagException(String message) {
        super(message);
    }
}
