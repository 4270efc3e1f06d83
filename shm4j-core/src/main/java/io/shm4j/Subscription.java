package io.shm4j;

import io.shm4j.internal.ChangeWaiter;

import java.util.function.Consumer;
import java.util.concurrent.locks.LockSupport;

/**
 * A running {@link SharedObjectFollower#subscribe subscription}: a background (daemon) thread
 * that hands each new version to a listener. Closing it stops the thread.
 *
 * <pre>{@code
 * Subscription s = follower.subscribe((snapshot, config) -> apply(config));
 * ...
 * s.close();
 * }</pre>
 */
public final class Subscription implements AutoCloseable {
    private final ChangeWaiter waiter;
    private final Consumer<Subscription> onClose;
    private final Thread thread;
    private volatile boolean closed;

    Subscription(String tag, ChangeWaiter waiter, Consumer<Subscription> onClose, Runnable body) {
        this.waiter = waiter;
        this.onClose = onClose;
        this.thread = Thread.ofPlatform().daemon().name("shm4j-subscription-" + tag).unstarted(body);
    }

    void start() {
        thread.start();
    }

    /** True until {@link #close()} or until the follower is closed. */
    public boolean isActive() {
        return !closed && thread.isAlive();
    }

    /**
     * Stops the subscription: wakes its thread if it is waiting and returns when the thread has
     * ended, that is, after the listener call in progress (if any) returns. Called from the
     * listener itself, it returns at once and no further version is delivered.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        waiter.close();
        LockSupport.unpark(thread); // ends a pause after a failed read
        if (Thread.currentThread() != thread) {
            boolean interrupted = false;
            while (thread.isAlive()) {
                try {
                    thread.join();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
        onClose.accept(this);
    }
}
