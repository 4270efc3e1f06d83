package io.shm4j;

/** What a shared object's payload bytes are; stored with every version (FORMAT.md, slot field contentType). */
public enum ContentType {
    /** Opaque bytes. */
    RAW(0),
    /** A JSON document, UTF-8. */
    JSON(1),
    /** UTF-8 text. */
    TEXT(2);

    private final int id;

    ContentType(int id) {
        this.id = id;
    }

    /** The number stored in the region. */
    public int id() {
        return id;
    }

    /** The content type stored as {@code id}, or {@code null} for an unknown id. */
    public static ContentType ofId(int id) {
        return switch (id) {
            case 0 -> RAW;
            case 1 -> JSON;
            case 2 -> TEXT;
            default -> null;
        };
    }
}
