package io.shm4j;

/** An object whose encoded size exceeds the configured maximum; nothing was written. */
public final class ObjectTooLargeException extends Shm4jException {
    private static final long serialVersionUID = 1L;

    public ObjectTooLargeException(String tag, long size, long max) {
        super("object for region " + tag + " is " + size + " bytes, over the limit of " + max
                + " bytes; nothing was published (raise ShmOptions.withMaxObjectSize or publish less)");
    }
}
