package io.shm4j.etcd;

import io.shm4j.ShmOptions;
import io.shm4j.internal.RegionFiles;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * Where a running mirror stands for one tag. A mirror keeps it in a small JSON file beside the
 * tag's region ({@code <tag>~mirror-push} or {@code <tag>~mirror-pull}, rewritten at most five
 * times a second), so that {@code shm4j mirror status} in another process can show it.
 *
 * <pre>{@code
 * for (MirrorStatus s : MirrorStatus.read(ShmOptions.defaults())) {
 *     System.out.println(s.tag() + " " + s.role() + " " + s.state() + " rev " + s.lastRevision());
 * }
 * }</pre>
 *
 * @param tag                    the tag
 * @param role                   push or pull
 * @param state                  its state when last written
 * @param message                the last event's message
 * @param pid                    the mirror's process
 * @param host                   this host's name as the mirror uses it
 * @param endpoints              the etcd endpoints
 * @param key                    the etcd key
 * @param lastRevision           the etcd mod revision of the last version mirrored (0: none yet)
 * @param sourceHost             the host that published that version
 * @param sourceVersion          its version there
 * @param localVersion           its version in this host's region
 * @param sourcePublishTimeNanos when it was published at the source (ns since the epoch)
 * @param mirroredTimeNanos      when this mirror wrote it to etcd (push) or published it here (pull)
 * @param updatedMillis          when this status was written (ms since the epoch)
 */
public record MirrorStatus(String tag, EtcdMirror.Role role, MirrorEvent.State state, String message, long pid,
                           String host, String endpoints, String key, long lastRevision, String sourceHost,
                           long sourceVersion, long localVersion, long sourcePublishTimeNanos, long mirroredTimeNanos,
                           long updatedMillis) {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final String SUFFIX = RegionFiles.HELPER_SEPARATOR + "mirror-";

    /**
     * How long the last mirrored version took from its publish at the source to this mirror
     * (compares two hosts' clocks when they differ); {@code null} if nothing was mirrored yet.
     */
    public Duration lastDelay() {
        return lastRevision == 0 ? null : Duration.ofNanos(mirroredTimeNanos - sourcePublishTimeNanos);
    }

    /** Whether the mirror process is still alive (its status is current). */
    public boolean running() {
        return state != MirrorEvent.State.CLOSED && ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    /** Every status file in the options' region directory, by tag then role; empty if there is none. */
    public static List<MirrorStatus> read(ShmOptions options) throws IOException {
        Path dir = RegionFiles.directory(options);
        List<MirrorStatus> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return out;
        }
        // The status files' own names only: not the temporary file a write renames (half written
        // while a mirror writes it, or left behind by one killed meanwhile).
        String roles = String.join(",", Arrays.stream(EtcdMirror.Role.values()).map(MirrorStatus::roleName).toList());
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*" + SUFFIX + "{" + roles + "}")) {
            for (Path f : files) {
                try {
                    out.add(JSON.readValue(Files.readAllBytes(f), MirrorStatus.class));
                } catch (NoSuchFileException e) {
                    // removed meanwhile
                } catch (JacksonException e) {
                    throw new IOException(f + " is not a mirror status file (" + e.getOriginalMessage() + "); remove it", e);
                }
            }
        }
        out.sort(Comparator.comparing(MirrorStatus::tag).thenComparing(MirrorStatus::role));
        return out;
    }

    /** The status file of {@code tag} in {@code role} in directory {@code dir}. */
    static Path file(Path dir, String tag, EtcdMirror.Role role) {
        return dir.resolve(tag + SUFFIX + roleName(role));
    }

    private static String roleName(EtcdMirror.Role role) {
        return role.name().toLowerCase(Locale.ROOT);
    }

    /**
     * Replaces the file atomically (write a temporary file, rename), so a reader never sees half of
     * it; unless it is another running mirror's and this one is not mirroring the tag: there is one
     * file per tag and role, and a second mirror refused, standing by or stopped must not hide the
     * one that mirrors the tag (status would show that one CLOSED, or another pid).
     */
    void write(Path dir) throws IOException {
        Path target = file(dir, tag, role);
        if (state != MirrorEvent.State.ACTIVE && heldByAnother(target)) {
            return;
        }
        Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
        Files.write(tmp, JSON.writeValueAsBytes(this));
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /** Whether {@code file} is the status of another process's mirror that is still running. */
    private boolean heldByAnother(Path file) throws IOException {
        MirrorStatus held;
        try {
            held = JSON.readValue(Files.readAllBytes(file), MirrorStatus.class);
        } catch (NoSuchFileException | JacksonException e) {
            return false; // none, or not a status: replaced
        }
        return held.pid() != pid && held.running();
    }
}
