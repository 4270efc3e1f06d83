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
import io.shm4j.MasterConflictException;
import io.shm4j.etcd.MirrorEvent.State;
import io.shm4j.internal.RegionFiles;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Pulls one tag's key, or every tag under the prefix, into local regions. One thread reads the
 * current values, then watches from the revision after them; every event goes through
 * {@link PulledTag#apply}, which publishes only revisions newer than the last one.
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
    private final Map<String, PulledTag> tags;
    private final Thread thread;
    private volatile boolean closed;

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
        long next = 0;
        long backoff = 100;
        boolean reread = true;
        try {
            while (!closed) {
                try {
                    if (reread) {
                        next = readCurrent();
                        reread = false;
                    }
                    BlockingQueue<Object> queue = new LinkedBlockingQueue<>();
                    WatchOption from = WatchOption.builder().withRevision(next).isPrefix(prefix)
                            .withCreateNotify(true).build();
                    try (Watch.Watcher ignored = client.getWatchClient().watch(key, from, queue::add, queue::add,
                            () -> queue.add(COMPLETED))) {
                        while (!closed) {
                            Object item = queue.poll(1, TimeUnit.SECONDS);
                            if (item instanceof WatchResponse response) {
                                for (WatchEvent e : response.getEvents()) {
                                    if (e.getEventType() == WatchEvent.EventType.PUT) {
                                        apply(e.getKeyValue());
                                        next = Math.max(next, e.getKeyValue().getModRevision() + 1);
                                    }
                                }
                                active();
                                backoff = 100;
                            } else if (item instanceof Throwable t && isCompacted(t)) {
                                reread = true;
                                status(State.DISCONNECTED, "revision " + next + " was compacted while disconnected; reading the current value");
                                break;
                            } else if (item != null) {
                                String why = item instanceof Throwable t ? t.getMessage() : "the watch ended";
                                status(State.DISCONNECTED, "watch of " + key.toString(StandardCharsets.UTF_8) + " failed (" + why
                                        + "); resuming from revision " + next);
                                Thread.sleep(backoff);
                                backoff = Math.min(MAX_BACKOFF_MILLIS, backoff * 2);
                                break;
                            }
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

    /** Whether the watch failed because the revision to resume from was compacted (jetcd may wrap the error). */
    private static boolean isCompacted(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof CompactedException || (t.getMessage() != null && t.getMessage().contains("compacted"))) {
                return true;
            }
        }
        return false;
    }

    /** Publishes the current values; returns the revision to watch from. */
    private long readCurrent() throws EtcdUnavailableException, InterruptedException {
        GetResponse r = Etcd.await(client.getKVClient().get(key, GetOption.builder().isPrefix(prefix).build()),
                options.requestTimeout(), options, "the read of " + key.toString(StandardCharsets.UTF_8));
        for (KeyValue kv : r.getKvs()) {
            apply(kv);
        }
        active();
        return r.getHeader().getRevision() + 1;
    }

    private void apply(KeyValue kv) {
        String name = kv.getKey().toString(StandardCharsets.UTF_8);
        if (!name.startsWith(options.prefix())) {
            return;
        }
        String tag = name.substring(options.prefix().length());
        PulledTag t = tags.get(tag);
        if (t == null) {
            if (!prefix || !RegionFiles.isTag(tag)) {
                return; // a pusher's lock key, or a key that names no tag
            }
            t = open(tag, name);
            if (t == null) {
                return;
            }
        }
        t.apply(kv.getModRevision(), kv.getValue().getBytes());
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

    /** Every tag pulled is active (the watch answers). */
    private void active() {
        for (String tag : tags.keySet()) {
            TagStatus status = statuses.apply(tag);
            if (status.state() != State.ACTIVE) {
                status.state(State.ACTIVE, PulledTag.activeMessage(options.prefix() + tag, tag));
            }
        }
    }

    private void status(State state, String message) {
        for (String tag : tags.keySet()) {
            statuses.apply(tag).state(state, message);
        }
    }

    /** Stops the thread, then gives up the master role of every tag it pulled. */
    void close() throws InterruptedException {
        closed = true;
        thread.interrupt();
        thread.join();
        for (PulledTag t : tags.values()) {
            t.close();
        }
    }
}
