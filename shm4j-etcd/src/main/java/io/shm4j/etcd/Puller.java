package io.shm4j.etcd;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.common.exception.CompactedException;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import io.etcd.jetcd.watch.WatchResponse;
import io.shm4j.InvalidTagException;
import io.shm4j.MasterConflictException;
import io.shm4j.etcd.MirrorEvent.State;
import io.shm4j.internal.RegionFiles;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Pulls one tag's key, or every tag under the prefix, into local regions. This thread reads the
 * current values, then watches from the revision after them; every event goes through
 * {@link PulledTag#apply}, which publishes only revisions newer than the last one.
 *
 * <p>Events are applied on the thread that delivers them (the etcd client's event loop for this
 * watch, one at a time, in revision order), not handed to this thread: a hand-over is a thread
 * wake-up per version, which on a busy host cost as much as everything else the pull does
 * (docs/BENCHMARKS.md, "Mirror through etcd"). Applying is short and never blocks on the
 * network: decode, CRC, publish into the local region. This thread handles what is rare: the
 * first read, errors, re-watching. {@link #lock} serializes the two, so a late event of a watch
 * this thread has given up on meets the same revision check as any other.
 *
 * <ul>
 *   <li>Disconnected: jetcd resumes the watch from the last revision received + 1 by itself;
 *       if the watch fails, this thread watches again from there.</li>
 *   <li>Compacted (the revision to resume from is gone): reads the current values again and
 *       watches from after them; nothing older is published because of the revision check.</li>
 *   <li>Deleted keys: the local region keeps its last version (a mirror never unpublishes).</li>
 * </ul>
 */
final class Puller implements Runnable {
    private static final Object COMPLETED = new Object();
    private static final long MAX_BACKOFF_MILLIS = 2000;

    private final Client client;
    private final MirrorOptions options;
    private final ByteSequence key;
    private final boolean prefix;
    private final Function<String, TagStatus> statuses;
    /** Guards {@link #tags}, what they publish, and {@link #next}: the watch's thread applies, this one reads and closes. */
    private final Object lock = new Object();
    private final Map<String, PulledTag> tags;
    /** Keys under the prefix that name no tag, reported once each. */
    private final Set<String> notTags = new HashSet<>();
    /** The revision to watch from: one after the newest seen. */
    private long next;
    private final Thread thread;
    private volatile boolean closed;
    /** Set when the watch delivers anything: the next failure starts its backoff afresh. */
    private volatile boolean answered;

    /**
     * A puller of the given tags (already opened, their master role held), or with
     * {@code pulled} empty, of every tag under the prefix (opened as they appear).
     */
    Puller(Client client, MirrorOptions options, Map<String, PulledTag> pulled, Function<String, TagStatus> statuses) {
        this.client = client;
        this.options = options;
        this.prefix = pulled.isEmpty();
        this.key = Etcd.bytes(prefix ? options.prefix() : options.prefix() + pulled.keySet().iterator().next());
        this.tags = new HashMap<>(pulled);
        this.statuses = statuses;
        String name = prefix ? "prefix " + options.prefix() : pulled.keySet().iterator().next();
        this.thread = Thread.ofPlatform().daemon().name("shm4j-mirror-pull-" + name).unstarted(this);
    }

    void start() {
        thread.start();
    }

    @Override
    public void run() {
        long backoff = 100;
        boolean reread = true;
        try {
            while (!closed) {
                try {
                    if (reread) {
                        readCurrent();
                        reread = false;
                    }
                    BlockingQueue<Object> failures = new LinkedBlockingQueue<>();
                    long from;
                    synchronized (lock) {
                        from = next;
                    }
                    WatchOption option = WatchOption.builder().withRevision(from).isPrefix(prefix).withCreateNotify(true).build();
                    try (Watch.Watcher ignored = client.getWatchClient().watch(key, option, r -> onWatch(r, failures),
                            failures::add, () -> failures.add(COMPLETED))) {
                        Object item = null;
                        while (!closed && item == null) {
                            item = failures.poll(1, TimeUnit.SECONDS);
                        }
                        if (answered) {
                            answered = false;
                            backoff = 100;
                        }
                        if (item instanceof Throwable t && isCompacted(t)) {
                            reread = true;
                            status(State.DISCONNECTED, "revision " + next() + " was compacted while disconnected; reading the current value");
                        } else if (item != null) {
                            String why = item instanceof Throwable t ? t.getMessage() : "the watch ended";
                            status(State.DISCONNECTED, "watch of " + key.toString(StandardCharsets.UTF_8) + " failed (" + why
                                    + "); resuming from revision " + next());
                            Thread.sleep(backoff);
                            backoff = Math.min(MAX_BACKOFF_MILLIS, backoff * 2);
                        }
                    }
                } catch (EtcdUnavailableException e) {
                    status(State.DISCONNECTED, e.getMessage() + "; retrying");
                    Thread.sleep(backoff);
                    backoff = Math.min(MAX_BACKOFF_MILLIS, backoff * 2);
                }
            }
        } catch (InterruptedException e) {
            // closed
        }
    }

    /**
     * Applies a watch response, on the watch's thread. A failure here is a bug, not etcd's: it
     * goes to this puller's thread, which reports it and watches again from the last revision.
     */
    private void onWatch(WatchResponse response, BlockingQueue<Object> failures) {
        try {
            synchronized (lock) {
                if (closed) {
                    return;
                }
                for (WatchEvent e : response.getEvents()) {
                    if (e.getEventType() == WatchEvent.EventType.PUT) {
                        apply(e.getKeyValue());
                        next = Math.max(next, e.getKeyValue().getModRevision() + 1);
                    }
                }
                active();
            }
            answered = true;
        } catch (RuntimeException e) {
            failures.add(e);
        }
    }

    private long next() {
        synchronized (lock) {
            return next;
        }
    }

    /** Whether the watch failed because the revision to resume from was compacted (jetcd may wrap the error). */
    private static boolean isCompacted(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof CompactedException || (t.getMessage() != null && t.getMessage().contains("compacted"))) {
                return true;
            }
        }
        return false;
    }

    /** Publishes the current values; the watch starts after them. */
    private void readCurrent() throws EtcdUnavailableException, InterruptedException {
        GetResponse r = Etcd.await(client.getKVClient().get(key, GetOption.builder().isPrefix(prefix).build()),
                options.requestTimeout(), options, "the read of " + key.toString(StandardCharsets.UTF_8));
        synchronized (lock) {
            for (KeyValue kv : r.getKvs()) {
                apply(kv);
            }
            active();
            next = Math.max(next, r.getHeader().getRevision() + 1);
        }
    }

    /** Publishes one key's value if it is a tag's and newer than what its region got last; under {@link #lock}. */
    private void apply(KeyValue kv) {
        String name = kv.getKey().toString(StandardCharsets.UTF_8);
        if (!name.startsWith(options.prefix())) {
            return;
        }
        String tag = name.substring(options.prefix().length());
        PulledTag t = tags.get(tag);
        if (t == null) {
            if (!prefix) {
                return;
            }
            if (!RegionFiles.isTag(tag)) {
                notATag(name, tag);
                return;
            }
            t = open(tag, name);
            if (t == null) {
                return;
            }
        }
        t.apply(kv.getModRevision(), kv.getValue().getBytes());
    }

    /**
     * Reports, once per key, a key under the prefix that names no tag and is not a pusher's lock
     * key: a value another writer put there (a tag with '/' or a space) would otherwise never
     * appear on any host without a word.
     */
    private void notATag(String name, String tag) {
        String locked = tag.substring(0, Math.max(0, tag.length() - TagPusher.LOCK_SUFFIX.length()));
        if (tag.endsWith(TagPusher.LOCK_SUFFIX) && RegionFiles.isTag(locked) || !notTags.add(name)) {
            return;
        }
        try {
            RegionFiles.validateTag(tag);
        } catch (InvalidTagException e) {
            String shown = tag.replaceAll("\\p{Cntrl}", "?"); // one line, whatever the key holds
            TagStatus.tell(options, new MirrorEvent(shown, EtcdMirror.Role.PULL, State.REJECTED,
                    "key " + options.prefix() + shown + " not pulled: " + e.getMessage()));
        }
    }

    /** Becomes the local master of a tag that appeared under the prefix; null (reported) if this host has another. */
    private PulledTag open(String tag, String name) {
        TagStatus status = statuses.apply(tag);
        try {
            PulledTag t = PulledTag.open(options, status, name);
            tags.put(tag, t);
            return t;
        } catch (MasterConflictException e) {
            status.state(State.REFUSED, refusal(tag, e));
        } catch (IOException | RuntimeException e) {
            status.state(State.REFUSED, "cannot pull " + name + " into region " + tag + ": " + e.getMessage());
        }
        return null;
    }

    /** Why a tag is not pulled when its local region has another master. */
    static String refusal(String tag, MasterConflictException e) {
        return "cannot pull tag " + tag + ": its local region already has a master (pid " + e.holderPid()
                + "); a pulled tag's master on this host is the mirror: stop that process, or pull on another host";
    }

    /** Every tag pulled is active (the watch answers); under {@link #lock}. */
    private void active() {
        for (String tag : tags.keySet()) {
            TagStatus status = statuses.apply(tag);
            if (status.state() != State.ACTIVE) {
                status.state(State.ACTIVE, PulledTag.activeMessage(options.prefix() + tag, tag));
            }
        }
    }

    private void status(State state, String message) {
        synchronized (lock) {
            for (String tag : tags.keySet()) {
                statuses.apply(tag).state(state, message);
            }
        }
    }

    /** Stops the thread, then gives up the master role of every tag it pulled. */
    void close() throws InterruptedException {
        closed = true;
        thread.interrupt();
        thread.join();
        synchronized (lock) { // a late event of the closed watch sees closed and publishes nothing
            for (PulledTag t : tags.values()) {
                t.close();
            }
        }
    }
}
