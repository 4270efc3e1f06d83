package io.shm4j.etcd;

import java.io.IOException;

/** etcd did not answer at the configured endpoints within the request timeout. */
public final class EtcdUnavailableException extends IOException {
    private static final long serialVersionUID = 1L;

    EtcdUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
