package io.shm4j.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.Random;
import java.util.zip.CRC32;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The fused copy gives the same bytes and the same CRC-32 as a copy followed by {@link CRC32} over the whole, at every chunk boundary. */
class CrcCopyTest {
    private static final int OFFSET = 40;

    private static int crc(byte[] bytes, int length) {
        CRC32 crc = new CRC32();
        crc.update(bytes, 0, length);
        return (int) crc.getValue();
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 7, CrcCopy.CHUNK - 1, CrcCopy.CHUNK, CrcCopy.CHUNK + 1, 3 * CrcCopy.CHUNK + 5, 1 << 20})
    void readAndWriteCopyEveryByteAndAgreeWithAWholeCrc(int length) {
        byte[] source = new byte[length];
        new Random(length).nextBytes(source);
        CRC32 reused = new CRC32();
        reused.update(new byte[] {1, 2, 3}); // a dirty checksum object must be reset, not continued
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment mapped = arena.allocate(OFFSET + length + 8);
            int written = CrcCopy.toSegment(source, mapped, OFFSET, reused);
            assertThat(written).isEqualTo(crc(source, length));
            assertThat(mapped.asSlice(OFFSET, length).toArray(ValueLayout.JAVA_BYTE)).isEqualTo(source);

            for (int chunk : new int[] {1024, 4096, CrcCopy.CHUNK, 1 << 20}) {
                byte[] target = new byte[length + 3]; // larger than the payload, as a reused buffer is
                int read = CrcCopy.fromSegment(mapped, OFFSET, target, length, reused, chunk);
                assertThat(read).as("chunk %d", chunk).isEqualTo(written);
                assertThat(Arrays.copyOf(target, length)).as("chunk %d", chunk).isEqualTo(source);
            }
        }
    }
}
