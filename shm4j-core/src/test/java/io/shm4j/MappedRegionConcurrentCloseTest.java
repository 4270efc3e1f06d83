package io.shm4j;

import io.shm4j.testing.TestDirectory;
import org.junit.jupiter.api.RepeatedTest;

import java.io.IOException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link MappedRegion#close()} while another thread reads: the reader must end with the
 * region's "closed" exception, the JVM must not crash, and close must succeed at once.
 */
class MappedRegionConcurrentCloseTest {

    @RepeatedTest(20)
    void closeWhileAnotherThreadReadsFailsTheReaderCleanly() throws Exception {
        try (TestDirectory dir = new TestDirectory()) {
            MappedRegion m = MappedRegion.create("busy", 1 << 20, dir.options());
            m.put((1 << 20) - 6, "needle".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            AtomicReference<Throwable> readerEnd = new AtomicReference<>();
            AtomicLong reads = new AtomicLong();
            CountDownLatch started = new CountDownLatch(1);
            Thread reader = new Thread(() -> {
                try {
                    while (true) {
                        m.get(0, 1 << 20);                                  // bulk copy
                        m.find("needle".getBytes(java.nio.charset.StandardCharsets.US_ASCII), 0); // byte loop
                        m.asSegment();
                        if (reads.incrementAndGet() == 1) {
                            started.countDown();
                        }
                    }
                } catch (Throwable t) {
                    readerEnd.set(t);
                }
            }, "reader");
            reader.start();
            started.await();
            m.close();
            reader.join(10_000);
            assertThat(reader.isAlive()).isFalse();
            assertThat(readerEnd.get()).isInstanceOf(IllegalStateException.class).hasMessage("region busy is closed");
            assertThat(m.isClosed()).isTrue();
            assertThat(reads.get()).isPositive();
        }
    }

    @RepeatedTest(5)
    void resizeWhileAnotherThreadReadsNeverCrashes() throws IOException, InterruptedException {
        try (MappedRegion m = MappedRegion.anonymous(4096)) {
            AtomicReference<Throwable> failure = new AtomicReference<>();
            Thread reader = new Thread(() -> {
                for (int i = 0; i < 20_000; i++) {
                    try {
                        m.get(0, 1024);
                    } catch (IllegalStateException e) {
                        if (!e.getMessage().contains("was resized by another thread")) {
                            failure.set(e);
                            return;
                        }
                    } catch (Throwable t) {
                        failure.set(t);
                        return;
                    }
                }
            });
            reader.start();
            for (int i = 0; i < 200; i++) {
                m.resize(4096 + (i % 2) * 4096);
            }
            reader.join();
            assertThat(failure.get()).isNull();
        }
    }
}
