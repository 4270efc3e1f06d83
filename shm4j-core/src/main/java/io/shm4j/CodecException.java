package io.shm4j;

/** An object that cannot be encoded, or a payload that is not valid for the requested type. */
public final class CodecException extends Shm4jException {
    private static final long serialVersionUID = 1L;

    public CodecException(String message, Throwable cause) {
        super(message, cause);
    }
}
