package io.shm4j.etcd;

import io.shm4j.ShmOptions;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * What an {@link EtcdMirror} mirrors and how. Immutable; each {@code with…} returns a copy.
 *
 * <pre>{@code
 * MirrorOptions options = MirrorOptions.of("http://etcd1:2379,http://etcd2:2379")
 *         .withTags(List.of("config", "limits"))     // none: every tag (new ones too)
 *         .withPrefix("/shm4j/")
 *         .withLeaseTtl(Duration.ofSeconds(10))
 *         .withListener(event -> log.info(event.toString()));
 * }</pre>
 *
 * @param endpoints       the etcd client URLs ({@code http://host:2379})
 * @param prefix          etcd key prefix; tag {@code t} is stored under {@code prefix + t}
 * @param tags            the tags to mirror; empty: every tag (push: every region in the local
 *                        directory; pull: every key under the prefix), including ones that appear later
 * @param leaseTtl        push: the TTL of the lease holding the pusher role, so how long after a
 *                        pusher dies a standby takes over (whole seconds, 2 to etcd's maximum of 9000000000)
 * @param standby         push: if another pusher holds a tag at the start, wait and take over
 *                        when its lease ends instead of refusing with {@link PusherConflictException}
 *                        (a pusher that loses the role later stands by either way)
 * @param maxRequestBytes the etcd server's {@code --max-request-bytes} (1.5 MiB by default): a
 *                        push refuses versions whose request would be larger
 * @param requestTimeout  how long one etcd request may take before the mirror counts etcd as
 *                        unreachable and retries
 * @param hostName        the name this host writes as a record's source and a pusher's holder
 * @param shmOptions      the local region directory and options
 * @param listener        told about every state change
 */
public record MirrorOptions(List<URI> endpoints, String prefix, List<String> tags, Duration leaseTtl, boolean standby,
                            int maxRequestBytes, Duration requestTimeout, String hostName, ShmOptions shmOptions,
                            EtcdMirror.Listener listener) {
    /** etcd's default {@code --max-request-bytes}: 1.5 MiB. */
    public static final int ETCD_DEFAULT_MAX_REQUEST_BYTES = 1536 * 1024;
    /** The smallest {@link #maxRequestBytes()}: room for a record's header, keys and the transaction's framing. */
    public static final int MIN_MAX_REQUEST_BYTES = 4096;
    /** The shortest {@link #leaseTtl()} in seconds. */
    public static final long MIN_LEASE_TTL_SECONDS = 2;
    /** The longest {@link #leaseTtl()} in seconds: etcd refuses to grant a longer lease (its MaxLeaseTTL). */
    public static final long MAX_LEASE_TTL_SECONDS = 9_000_000_000L;
    /** The default key prefix. */
    public static final String DEFAULT_PREFIX = "/shm4j/";

    public MirrorOptions {
        endpoints = List.copyOf(endpoints);
        if (endpoints.isEmpty()) {
            throw new IllegalArgumentException("no etcd endpoint given (e.g. http://127.0.0.1:2379)");
        }
        Objects.requireNonNull(prefix, "prefix");
        tags = List.copyOf(tags);
        Objects.requireNonNull(hostName, "hostName");
        Objects.requireNonNull(shmOptions, "shmOptions");
        Objects.requireNonNull(listener, "listener");
        if (leaseTtl.toSeconds() < MIN_LEASE_TTL_SECONDS || leaseTtl.toSeconds() > MAX_LEASE_TTL_SECONDS) {
            throw new IllegalArgumentException("lease TTL must be " + MIN_LEASE_TTL_SECONDS + ".." + MAX_LEASE_TTL_SECONDS
                    + " s, got " + leaseTtl);
        }
        if (requestTimeout.isNegative() || requestTimeout.isZero()) {
            throw new IllegalArgumentException("request timeout must be positive, got " + requestTimeout);
        }
        if (maxRequestBytes < MIN_MAX_REQUEST_BYTES) {
            throw new IllegalArgumentException("max request bytes must be at least " + MIN_MAX_REQUEST_BYTES + ", got "
                    + maxRequestBytes);
        }
    }

    /**
     * Options for the etcd cluster at {@code endpoints} (comma-separated URLs): every tag, prefix
     * {@value #DEFAULT_PREFIX}, lease TTL 10 s, no standby, etcd's default request limit, 5 s
     * request timeout, this host's name, default region options, no listener.
     */
    public static MirrorOptions of(String endpoints) {
        List<URI> uris = java.util.Arrays.stream(endpoints.split(",")).map(String::strip).filter(s -> !s.isEmpty())
                .map(MirrorOptions::endpoint).toList();
        return new MirrorOptions(uris, DEFAULT_PREFIX, List.of(), Duration.ofSeconds(10), false,
                ETCD_DEFAULT_MAX_REQUEST_BYTES, Duration.ofSeconds(5), LocalHost.name(), ShmOptions.defaults(), _ -> { });
    }

    private static URI endpoint(String s) {
        URI uri;
        try {
            uri = URI.create(s);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("etcd endpoint '" + s + "' is not a URL like http://127.0.0.1:2379");
        }
        if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null || uri.getPort() < 0) {
            throw new IllegalArgumentException("etcd endpoint '" + s + "' is not a URL like http://127.0.0.1:2379");
        }
        return uri;
    }

    /** The endpoints as one comma-separated string. */
    public String endpointList() {
        return String.join(",", endpoints.stream().map(URI::toString).toList());
    }

    public MirrorOptions withPrefix(String prefix) {
        return new MirrorOptions(endpoints, prefix, tags, leaseTtl, standby, maxRequestBytes, requestTimeout, hostName, shmOptions, listener);
    }

    public MirrorOptions withTags(List<String> tags) {
        return new MirrorOptions(endpoints, prefix, tags, leaseTtl, standby, maxRequestBytes, requestTimeout, hostName, shmOptions, listener);
    }

    public MirrorOptions withLeaseTtl(Duration leaseTtl) {
        return new MirrorOptions(endpoints, prefix, tags, leaseTtl, standby, maxRequestBytes, requestTimeout, hostName, shmOptions, listener);
    }

    public MirrorOptions withStandby(boolean standby) {
        return new MirrorOptions(endpoints, prefix, tags, leaseTtl, standby, maxRequestBytes, requestTimeout, hostName, shmOptions, listener);
    }

    public MirrorOptions withMaxRequestBytes(int maxRequestBytes) {
        return new MirrorOptions(endpoints, prefix, tags, leaseTtl, standby, maxRequestBytes, requestTimeout, hostName, shmOptions, listener);
    }

    public MirrorOptions withRequestTimeout(Duration requestTimeout) {
        return new MirrorOptions(endpoints, prefix, tags, leaseTtl, standby, maxRequestBytes, requestTimeout, hostName, shmOptions, listener);
    }

    public MirrorOptions withHostName(String hostName) {
        return new MirrorOptions(endpoints, prefix, tags, leaseTtl, standby, maxRequestBytes, requestTimeout, hostName, shmOptions, listener);
    }

    public MirrorOptions withShmOptions(ShmOptions shmOptions) {
        return new MirrorOptions(endpoints, prefix, tags, leaseTtl, standby, maxRequestBytes, requestTimeout, hostName, shmOptions, listener);
    }

    public MirrorOptions withListener(EtcdMirror.Listener listener) {
        return new MirrorOptions(endpoints, prefix, tags, leaseTtl, standby, maxRequestBytes, requestTimeout, hostName, shmOptions, listener);
    }
}
