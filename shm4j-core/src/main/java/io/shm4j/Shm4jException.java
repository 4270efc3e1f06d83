package io.shm4j;

/**
 * Base of the unchecked exceptions shm4j throws when a region's contents or the protocol
 * around them forbid an operation. Every message names the region and says what to do.
 *
 * <p>The library's failures fall into three families, each rooted where Java code already
 * catches it, so that no shm4j type has to be learnt to handle the common cases:
 * <ul>
 *   <li>{@code Shm4jException} (unchecked): what a region's contents or the protocol forbid — a
 *       corrupt region, another master, an object too large, a value the codec refuses;</li>
 *   <li>{@link java.io.IOException} (checked, declared): what the file system refuses — no such
 *       region ({@link RegionNotFoundException}, a {@link java.nio.file.NoSuchFileException}),
 *       no permission, a full device. Methods that cannot declare it (publishing, reading)
 *       wrap it in {@link java.io.UncheckedIOException};</li>
 *   <li>{@link IllegalArgumentException} / {@link IllegalStateException}: the caller's mistake,
 *       as in the JDK — an invalid tag ({@link InvalidTagException}), a closed object.</li>
 * </ul>
 * So {@code catch (Shm4jException | IOException | UncheckedIOException e)} covers everything a
 * region or its environment can cause; the library throws no {@link Error}.
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
