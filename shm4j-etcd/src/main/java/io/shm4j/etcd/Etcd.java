package io.shm4j.etcd;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** The jetcd client as the mirror uses it: how it connects, and requests that time out with a clear error. */
final class Etcd {
    /**
     * Largest gRPC message the client accepts. A watch response may carry several objects of up
     * to {@code --max-request-bytes} each (the server sends up to 2 GiB); gRPC's default of
     * 4 MiB would fail such a response.
     */
    private static final int MAX_INBOUND_MESSAGE = Integer.MAX_VALUE;

    private Etcd() {
    }

    static Client connect(MirrorOptions options) {
        return Client.builder().endpoints(options.endpoints().toArray(URI[]::new))
                .maxInboundMessageSize(MAX_INBOUND_MESSAGE)
                .connectTimeout(options.requestTimeout())
                .build();
    }

    static ByteSequence bytes(String s) {
        return ByteSequence.from(s, StandardCharsets.UTF_8);
    }

    /**
     * The future's result within {@code timeout}.
     *
     * @throws EtcdUnavailableException if it does not complete in time or fails (cancelled then)
     */
    static <T> T await(CompletableFuture<T> future, Duration timeout, MirrorOptions options, String what)
            throws EtcdUnavailableException, InterruptedException {
        try {
            return future.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            future.cancel(true);
            throw new EtcdUnavailableException("etcd at " + options.endpointList() + " did not answer " + what
                    + " within " + timeout.toMillis() + " ms", e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            throw new EtcdUnavailableException("etcd at " + options.endpointList() + " failed " + what + ": "
                    + cause.getMessage(), cause);
        }
    }

    /** Whether etcd refused a request as larger than its {@code --max-request-bytes}. */
    static boolean isTooLarge(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            String m = t.getMessage();
            if (m != null && (m.contains("request is too large") || m.contains("RESOURCE_EXHAUSTED"))) {
                return true;
            }
        }
        return false;
    }
}
