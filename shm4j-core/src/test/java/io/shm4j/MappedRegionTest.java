package io.shm4j;

import io.shm4j.testing.TestDirectory;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.function.Consumer;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Single-process behaviour of {@link MappedRegion}, checked against what CPython's mmap does. */
class MappedRegionTest {

    @RegisterExtension
    final TestDirectory dir = TestDirectory.create();
    private final ShmOptions opts = dir.options();

    private static byte[] b(String s) {
        return s.getBytes(US_ASCII);
    }

    private static Consumer<MappedRegion> resizeTo(long size) {
        return r -> {
            try {
                r.resize(size);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        };
    }

    /** A 16-byte anonymous region holding {@code abcabc\nxyz\n} then zeros, position 0. */
    private static MappedRegion sample() {
        MappedRegion m = MappedRegion.anonymous(16);
        m.write(b("abcabc\nxyz\n"));
        m.seek(0);
        return m;
    }

    @Nested
    class Opening {
        @Test
        void createMakesAZeroFilledOwnerOnlyFileOfTheSize() throws IOException {
            try (MappedRegion m = MappedRegion.create("r1", 100, opts)) {
                Path file = dir.path().resolve("r1");
                assertThat(Files.size(file)).isEqualTo(100);
                assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
                assertThat(m.length()).isEqualTo(100);
                assertThat(m.size()).isEqualTo(100);
                assertThat(m.mode()).isEqualTo(AccessMode.WRITE);
                assertThat(m.name()).isEqualTo("r1");
                assertThat(m.read()).containsOnly(0).hasSize(100);
            }
            try (var files = Files.list(dir.path())) {
                assertThat(files.map(p -> p.getFileName().toString())).containsExactly("r1");
            }
        }

        @ParameterizedTest
        @CsvSource({"GROUP_READ, rw-r-----", "GROUP_WRITE, rw-rw----"})
        void createHonoursTheGroupFileModes(ShmOptions.FileMode mode, String expected) throws IOException {
            try (MappedRegion ignored = MappedRegion.create("g", 8, opts.withFileMode(mode))) {
                assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.path().resolve("g"))))
                        .isEqualTo(expected);
            }
        }

        @Test
        void createCreatesAMissingDirectory() throws IOException {
            ShmOptions nested = opts.withDirectory(dir.path().resolve("sub"));
            try (MappedRegion m = MappedRegion.create("r", 4, nested)) {
                assertThat(Files.size(dir.path().resolve("sub").resolve("r"))).isEqualTo(4);
            }
        }

        @Test
        void createRefusesAnExistingTagAndLeavesItsBytes() throws IOException {
            try (MappedRegion m = MappedRegion.create("dup", 8, opts)) {
                m.write(b("keep"));
                assertThatThrownBy(() -> MappedRegion.create("dup", 16, opts))
                        .isInstanceOf(FileAlreadyExistsException.class)
                        .hasMessageContaining("region 'dup' already exists");
                assertThat(m.get(0, 4)).isEqualTo(b("keep"));
                assertThat(Files.size(dir.path().resolve("dup"))).isEqualTo(8);
            }
        }

        @Test
        void createRefusesNegativeSize() {
            assertThatThrownBy(() -> MappedRegion.create("neg", -1, opts))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("size must be >= 0, got -1");
        }

        @ParameterizedTest
        @ValueSource(strings = {"", ".", "..", "a/b", "a b", "tab\t", "x~y", "ü"})
        void badTagsAreRefusedWithWhatIsAllowed(String tag) {
            assertThatThrownBy(() -> MappedRegion.create(tag, 8, opts))
                    .isInstanceOf(InvalidTagException.class).hasMessageContaining("A-Z a-z 0-9 . _ -");
            assertThatThrownBy(() -> MappedRegion.open(tag, AccessMode.READ, opts))
                    .isInstanceOf(InvalidTagException.class);
        }

        @Test
        void tooLongAndNullTagsAreRefused() {
            assertThatThrownBy(() -> MappedRegion.create("a".repeat(201), 8, opts)).isInstanceOf(InvalidTagException.class);
            assertThatThrownBy(() -> MappedRegion.create(null, 8, opts)).isInstanceOf(InvalidTagException.class);
            assertThatCode(() -> MappedRegion.create("a".repeat(200), 8, opts).close()).doesNotThrowAnyException();
        }

        @Test
        void openOfAMissingTagNamesItAndTheFile() {
            assertThatThrownBy(() -> MappedRegion.open("nope", AccessMode.READ, opts))
                    .isInstanceOf(RegionNotFoundException.class)
                    .hasMessageContaining("no region 'nope'").hasMessageContaining(dir.path().resolve("nope").toString());
        }

        @Test
        void openMapsTheWholeFileInEachMode() throws IOException {
            try (MappedRegion w = MappedRegion.create("whole", 10, opts)) {
                w.write(b("0123456789"));
            }
            for (AccessMode mode : AccessMode.values()) {
                try (MappedRegion m = MappedRegion.open("whole", mode, opts)) {
                    assertThat(m.mode()).isEqualTo(mode);
                    assertThat(m.read()).isEqualTo(b("0123456789"));
                }
            }
        }

        @Test
        void openOrCreateCreatesThenOpens() throws IOException {
            try (MappedRegion a = MappedRegion.openOrCreate("oc", 32, AccessMode.WRITE, opts)) {
                a.write(b("first"));
                try (MappedRegion b = MappedRegion.openOrCreate("oc", 16, AccessMode.READ, opts)) {
                    assertThat(b.length()).isEqualTo(32);
                    assertThat(b.read(5)).isEqualTo(b("first"));
                }
            }
        }

        @Test
        void openOrCreateRefusesAnExistingRegionThatIsTooSmall() throws IOException {
            try (MappedRegion ignored = MappedRegion.create("small", 8, opts)) {
                assertThatThrownBy(() -> MappedRegion.openOrCreate("small", 9, AccessMode.WRITE, opts))
                        .isInstanceOf(IllegalArgumentException.class)
                        .hasMessageContaining("region small exists with 8 bytes, fewer than the 9 asked for");
            }
        }

        @Test
        void openOrCreateInReadModeCreatesZerosAndRefusesWrites() throws IOException {
            try (MappedRegion m = MappedRegion.openOrCreate("ro", 4, AccessMode.READ, opts)) {
                assertThat(m.read()).containsExactly(0, 0, 0, 0);
                assertThatThrownBy(() -> m.put(0, b("x"))).isInstanceOf(ReadOnlyRegionException.class);
            }
        }

        @Test
        void mapFollowsPythonForLengths() throws IOException {
            Path f = dir.path().resolve("plain.bin");
            Files.write(f, b("hello\nworld"));
            try (MappedRegion whole = MappedRegion.map(f, 0, AccessMode.READ)) {
                assertThat(whole.length()).isEqualTo(11);
                assertThat(whole.name()).isEqualTo(f.toString());
            }
            try (MappedRegion part = MappedRegion.map(f, 5, AccessMode.READ)) {
                assertThat(part.read()).isEqualTo(b("hello"));
                assertThat(part.size()).isEqualTo(11);
            }
            assertThatThrownBy(() -> MappedRegion.map(f, 12, AccessMode.READ))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("greater than file size");
            assertThatThrownBy(() -> MappedRegion.map(f, -1, AccessMode.READ)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> MappedRegion.map(dir.path().resolve("missing"), 0, AccessMode.READ))
                    .isInstanceOf(NoSuchFileException.class);
        }

        @Test
        void mapInWriteModeChangesTheFile() throws IOException {
            Path f = dir.path().resolve("w.bin");
            Files.write(f, b("hello"));
            try (MappedRegion m = MappedRegion.map(f, 0, AccessMode.WRITE)) {
                m.write(b("J"));
            }
            assertThat(Files.readAllBytes(f)).isEqualTo(b("Jello"));
        }

        @Test
        void copyModeWritesNeverReachTheFile() throws IOException {
            Path f = dir.path().resolve("c.bin");
            Files.write(f, b("hello"));
            try (MappedRegion m = MappedRegion.map(f, 0, AccessMode.COPY)) {
                assertThat(m.write(b("J"))).isEqualTo(1);
                m.flush();
                assertThat(m.get(0, 5)).isEqualTo(b("Jello"));
                assertThatThrownBy(() -> m.resize(3)).isInstanceOf(UnsupportedOperationException.class)
                        .hasMessageContaining("COPY");
            }
            assertThat(Files.readAllBytes(f)).isEqualTo(b("hello"));
        }

        @Test
        void anonymousIsZeroFilledWriteMode() {
            try (MappedRegion m = MappedRegion.anonymous(8)) {
                assertThat(m.mode()).isEqualTo(AccessMode.WRITE);
                assertThat(m.name()).isEqualTo("anonymous");
                assertThat(m.size()).isEqualTo(8);
                assertThat(m.read()).containsOnly(0).hasSize(8);
            }
            assertThatThrownBy(() -> MappedRegion.anonymous(-1)).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Nested
    class ReadingAndWriting {
        @Test
        void readAdvancesAndStopsAtTheEnd() {
            try (MappedRegion m = sample()) {
                assertThat(m.read(3)).isEqualTo(b("abc"));
                assertThat(m.tell()).isEqualTo(3);
                assertThat(m.read(0)).isEmpty();
                m.seek(10);
                assertThat(m.read(100)).isEqualTo(new byte[] {'\n', 0, 0, 0, 0, 0});
                assertThat(m.tell()).isEqualTo(16);
                assertThat(m.read()).isEmpty();
                assertThat(m.read(5)).isEmpty();
            }
        }

        @Test
        void negativeReadCountReadsToTheEnd() {
            try (MappedRegion m = sample()) {
                m.seek(12);
                assertThat(m.read(-5)).hasSize(4);
                assertThat(m.tell()).isEqualTo(16);
            }
        }

        @Test
        void readByteIsUnsignedAndFailsAtTheEnd() {
            try (MappedRegion m = MappedRegion.anonymous(2)) {
                m.put(0, new byte[] {(byte) 0xff, 7});
                assertThat(m.readByte()).isEqualTo(255);
                assertThat(m.readByte()).isEqualTo(7);
                assertThatThrownBy(m::readByte).isInstanceOf(IllegalArgumentException.class)
                        .hasMessage("region anonymous: read byte out of range (position 2, length 2)");
                assertThat(m.tell()).isEqualTo(2);
            }
        }

        @Test
        void readLineReturnsLinesWithTheirNewlineAndTheTailWithout() throws IOException {
            Path f = dir.path().resolve("lines");
            Files.write(f, b("hello\n\nworld"));
            try (MappedRegion m = MappedRegion.map(f, 0, AccessMode.READ)) {
                assertThat(m.readLine()).isEqualTo(b("hello\n"));
                assertThat(m.readLine()).isEqualTo(b("\n"));
                assertThat(m.readLine()).isEqualTo(b("world"));
                assertThat(m.readLine()).isEmpty();
                assertThat(m.tell()).isEqualTo(12);
            }
        }

        @Test
        void writeReturnsTheCountAndRefusesWhatDoesNotFit() {
            try (MappedRegion m = MappedRegion.anonymous(4)) {
                assertThat(m.write(b("ab"))).isEqualTo(2);
                assertThatThrownBy(() -> m.write(b("cde"))).isInstanceOf(IllegalArgumentException.class)
                        .hasMessageContaining("data out of range");
                assertThat(m.tell()).isEqualTo(2);
                assertThat(m.get(0, 4)).isEqualTo(new byte[] {'a', 'b', 0, 0});
                assertThat(m.write(b("cd"))).isEqualTo(2);
                assertThat(m.write(new byte[0])).isZero();
                assertThatThrownBy(() -> m.write(b("x"))).isInstanceOf(IllegalArgumentException.class);
            }
        }

        @Test
        void writeByteWritesAndFailsAtTheEnd() {
            try (MappedRegion m = MappedRegion.anonymous(2)) {
                m.writeByte(0);
                m.writeByte(255);
                assertThat(m.get(0, 2)).isEqualTo(new byte[] {0, (byte) 255});
                assertThatThrownBy(() -> m.writeByte(1)).isInstanceOf(IllegalArgumentException.class)
                        .hasMessageContaining("write byte out of range (position 2, length 2)");
            }
        }

        @ParameterizedTest
        @ValueSource(ints = {-1, 256, Integer.MIN_VALUE})
        void writeByteRefusesValuesThatAreNotBytes(int value) {
            try (MappedRegion m = MappedRegion.anonymous(2)) {
                assertThatThrownBy(() -> m.writeByte(value)).isInstanceOf(IllegalArgumentException.class)
                        .hasMessageContaining("a byte is 0..255, got " + value);
                assertThat(m.tell()).isZero();
            }
        }

        @Test
        void seekFollowsWhence() {
            try (MappedRegion m = sample()) {
                assertThat(m.seek(4)).isEqualTo(4);
                assertThat(m.seek(2, Whence.CUR)).isEqualTo(6);
                assertThat(m.seek(-3, Whence.CUR)).isEqualTo(3);
                assertThat(m.seek(-1, Whence.END)).isEqualTo(15);
                assertThat(m.seek(0, Whence.END)).isEqualTo(16);
                assertThat(m.seek(16, Whence.SET)).isEqualTo(16);
                assertThat(m.tell()).isEqualTo(16);
            }
        }

        @ParameterizedTest
        @CsvSource({"17, SET", "-1, SET", "1, END", "-17, END", "-4, CUR", "14, CUR"})
        void seekOutOfRangeFailsAndKeepsThePosition(long pos, Whence whence) {
            try (MappedRegion m = sample()) {
                m.seek(3);
                assertThatThrownBy(() -> m.seek(pos, whence)).isInstanceOf(IllegalArgumentException.class)
                        .hasMessageContaining("seek out of range");
                assertThat(m.tell()).isEqualTo(3);
            }
        }

        @Test
        void getAndPutAreAbsoluteAndBoundsChecked() {
            try (MappedRegion m = MappedRegion.anonymous(8)) {
                m.put(6, b("yz"));
                assertThat(m.get(6, 2)).isEqualTo(b("yz"));
                assertThat(m.get(8, 0)).isEmpty();
                assertThat(m.tell()).isZero();
                assertThatThrownBy(() -> m.get(7, 2)).isInstanceOf(IndexOutOfBoundsException.class)
                        .hasMessage("region anonymous: range [7, 7 + 2) is outside 0..8");
                assertThatThrownBy(() -> m.get(-1, 1)).isInstanceOf(IndexOutOfBoundsException.class);
                assertThatThrownBy(() -> m.get(0, -1)).isInstanceOf(IndexOutOfBoundsException.class);
                assertThatThrownBy(() -> m.put(7, b("ab"))).isInstanceOf(IndexOutOfBoundsException.class);
                assertThat(m.get(6, 2)).isEqualTo(b("yz"));
            }
        }

        @Test
        void asSegmentSharesTheBytesAndIsReadOnlyInReadMode() throws IOException {
            try (MappedRegion w = MappedRegion.create("seg", 8, opts);
                 MappedRegion r = MappedRegion.open("seg", AccessMode.READ, opts)) {
                w.asSegment().set(java.lang.foreign.ValueLayout.JAVA_LONG, 0, 42L);
                assertThat(r.asSegment().get(java.lang.foreign.ValueLayout.JAVA_LONG, 0)).isEqualTo(42L);
                assertThat(r.asSegment().isReadOnly()).isTrue();
            }
        }
    }

    @Nested
    class ReadOnly {
        @Test
        void everyWriteIsRefusedAndNothingChanges() throws IOException {
            try (MappedRegion w = MappedRegion.create("ro", 4, opts)) {
                w.write(b("abcd"));
            }
            try (MappedRegion m = MappedRegion.open("ro", AccessMode.READ, opts)) {
                for (Consumer<MappedRegion> write : java.util.List.<Consumer<MappedRegion>>of(
                        r -> r.write(b("x")), r -> r.writeByte(1), r -> r.move(0, 1, 1), r -> r.put(0, b("x")),
                        resizeTo(8))) {
                    assertThatThrownBy(() -> write.accept(m)).isInstanceOf(ReadOnlyRegionException.class)
                            .hasMessageContaining("region ro is read-only");
                }
                m.flush();
                assertThat(m.read()).isEqualTo(b("abcd"));
            }
            assertThat(Files.readAllBytes(dir.path().resolve("ro"))).isEqualTo(b("abcd"));
        }
    }

    @Nested
    class Find {
        @Test
        void findAndRfindDefaultToTheWindowFromThePosition() {
            try (MappedRegion m = sample()) {
                assertThat(m.find(b("abc"))).isZero();
                assertThat(m.rfind(b("abc"))).isEqualTo(3);
                m.seek(4);
                assertThat(m.find(b("abc"))).isEqualTo(-1);
                assertThat(m.rfind(b("abc"))).isEqualTo(-1);
                assertThat(m.find(b("xyz"))).isEqualTo(7);
                assertThat(m.tell()).isEqualTo(4);
            }
        }

        /** Expected values are CPython 3.11's for the same bytes ({@code abcabc\nxyz\n} + 5 zeros). */
        @ParameterizedTest(name = "find(abc, {0}, {1}) = {2}, rfind = {3}")
        @CsvSource({
                "0, 16, 0, 3",
                "1, 16, 3, 3",
                "4, 16, -1, -1",
                "-13, 16, 3, 3",
                "-100, 16, 0, 3",
                "0, -11, 0, 0",
                "0, 5, 0, 0",
                "0, 6, 0, 3",
                "0, -10, 0, 3",
                "3, 5, -1, -1",
                "5, 3, -1, -1",
                "0, 100, 0, 3",
                "100, 200, -1, -1",
                "-1, -100, -1, -1"})
        void windowsFollowSliceSemantics(long start, long end, long find, long rfind) {
            try (MappedRegion m = sample()) {
                assertThat(m.find(b("abc"), start, end)).isEqualTo(find);
                assertThat(m.rfind(b("abc"), start, end)).isEqualTo(rfind);
            }
        }

        @Test
        void singleStartArgumentSearchesToTheEnd() {
            try (MappedRegion m = sample()) {
                assertThat(m.find(b("abc"), 1)).isEqualTo(3);
                assertThat(m.rfind(b("abc"), 4)).isEqualTo(-1);
                assertThat(m.find(b("\0"), -1)).isEqualTo(15);
            }
        }

        @Test
        void emptyNeedleIsFoundAtStartOrEnd() {
            try (MappedRegion m = sample()) {
                assertThat(m.find(new byte[0])).isZero();
                assertThat(m.find(new byte[0], 20)).isEqualTo(16);
                assertThat(m.find(new byte[0], 5, 3)).isEqualTo(-1);
                assertThat(m.rfind(new byte[0])).isEqualTo(16);
                assertThat(m.rfind(new byte[0], 2, 5)).isEqualTo(5);
            }
        }

        @Test
        void needleAtTheVeryEndIsFoundAndLongerThanTheRegionIsNot() {
            try (MappedRegion m = MappedRegion.anonymous(4)) {
                m.write(b("aaab"));
                assertThat(m.find(b("ab"), 0)).isEqualTo(2);
                assertThat(m.rfind(b("aa"), 0)).isEqualTo(1);
                assertThat(m.find(b("aaabx"), 0)).isEqualTo(-1);
                assertThat(m.rfind(b("aaabx"), 0)).isEqualTo(-1);
            }
        }
    }

    @Nested
    class Move {
        @Test
        void overlappingMoveForwardAndBackward() {
            try (MappedRegion m = MappedRegion.anonymous(8)) {
                m.write(b("abcdefgh"));
                m.move(2, 0, 5);
                assertThat(m.get(0, 8)).isEqualTo(b("ababcdeh"));
                m.move(0, 2, 5);
                assertThat(m.get(0, 8)).isEqualTo(b("abcdedeh"));
                assertThat(m.tell()).isEqualTo(8);
            }
        }

        @Test
        void zeroCountAtTheEndIsAllowed() {
            try (MappedRegion m = MappedRegion.anonymous(8)) {
                m.move(8, 8, 0);
                m.move(0, 0, 8);
            }
        }

        @ParameterizedTest
        @CsvSource({"-1, 0, 1", "0, -1, 1", "0, 0, -1", "0, 1, 8", "1, 0, 8", "9, 0, 0", "0, 9, 0"})
        void outOfRangeMovesFailAndChangeNothing(long dest, long src, long count) {
            try (MappedRegion m = MappedRegion.anonymous(8)) {
                m.write(b("abcdefgh"));
                assertThatThrownBy(() -> m.move(dest, src, count)).isInstanceOf(IllegalArgumentException.class)
                        .hasMessageContaining("source, destination, or count out of range");
                assertThat(m.get(0, 8)).isEqualTo(b("abcdefgh"));
            }
        }
    }

    @Nested
    class Resize {
        @Test
        void growKeepsBytesReservesZerosAndGrowsTheFile() throws IOException {
            try (MappedRegion m = MappedRegion.create("grow", 4, opts)) {
                m.write(b("abcd"));
                m.resize(10_000);
                assertThat(m.length()).isEqualTo(10_000);
                assertThat(m.size()).isEqualTo(10_000);
                assertThat(Files.size(dir.path().resolve("grow"))).isEqualTo(10_000);
                assertThat(m.tell()).isEqualTo(4);
                assertThat(m.read(4)).containsOnly(0);
                assertThat(m.get(0, 4)).isEqualTo(b("abcd"));
                m.put(9_996, b("tail"));
            }
            try (MappedRegion r = MappedRegion.open("grow", AccessMode.READ, opts)) {
                assertThat(r.get(9_996, 4)).isEqualTo(b("tail"));
            }
        }

        @Test
        void shrinkTruncatesAndKeepsAPositionPastTheEnd() throws IOException {
            try (MappedRegion m = MappedRegion.create("shrink", 16, opts)) {
                m.write(b("abcabc\nxyz\n"));
                m.resize(5);
                assertThat(m.length()).isEqualTo(5);
                assertThat(Files.size(dir.path().resolve("shrink"))).isEqualTo(5);
                assertThat(m.tell()).isEqualTo(11);
                assertThat(m.read()).isEmpty();
                assertThatThrownBy(m::readByte).isInstanceOf(IllegalArgumentException.class);
                assertThatThrownBy(() -> m.write(new byte[0])).isInstanceOf(IllegalArgumentException.class);
                assertThatThrownBy(() -> m.seek(0, Whence.CUR)).isInstanceOf(IllegalArgumentException.class);
                assertThat(m.get(0, 5)).isEqualTo(b("abcab"));
            }
        }

        @Test
        void resizeToZeroAndBack() throws IOException {
            try (MappedRegion m = MappedRegion.anonymous(4)) {
                m.put(0, b("abcd"));
                m.resize(0);
                assertThat(m.length()).isZero();
                m.resize(3);
                assertThat(m.get(0, 3)).containsOnly(0);
            }
        }

        @Test
        void anonymousResizeKeepsTheBytes() throws IOException {
            try (MappedRegion m = MappedRegion.anonymous(4)) {
                m.put(0, b("abcd"));
                m.resize(6);
                assertThat(m.get(0, 6)).isEqualTo(new byte[] {'a', 'b', 'c', 'd', 0, 0});
                m.resize(2);
                assertThat(m.get(0, 2)).isEqualTo(b("ab"));
            }
        }

        @Test
        void negativeSizeIsRefused() {
            try (MappedRegion m = MappedRegion.anonymous(4)) {
                assertThatThrownBy(() -> m.resize(-1)).isInstanceOf(IllegalArgumentException.class)
                        .hasMessageContaining("new size out of range");
                assertThat(m.length()).isEqualTo(4);
            }
        }

        @Test
        void callsOnAnInterruptedThreadWorkAndLeaveTheFileToLaterCalls() throws IOException {
            try (MappedRegion m = MappedRegion.create("intr", 16, opts)) {
                Thread.currentThread().interrupt();
                assertThat(m.size()).isEqualTo(16);
                m.resize(32);
                try (MappedRegion r = MappedRegion.open("intr", AccessMode.READ, opts)) {
                    assertThat(r.length()).isEqualTo(32);
                }
                assertThat(Thread.interrupted()).isTrue();
                m.resize(8);
                assertThat(m.size()).isEqualTo(8);
            } finally {
                Thread.interrupted();
            }
        }

        @Test
        void oldSegmentsBecomeInvalid() throws IOException {
            try (MappedRegion m = MappedRegion.anonymous(4)) {
                var old = m.asSegment();
                m.resize(8);
                assertThatThrownBy(() -> old.get(java.lang.foreign.ValueLayout.JAVA_BYTE, 0))
                        .isInstanceOf(IllegalStateException.class);
            }
        }
    }

    @Nested
    class Flush {
        @Test
        void flushValidatesItsRange() throws IOException {
            try (MappedRegion m = MappedRegion.create("fl", 8192, opts)) {
                m.put(5000, b("x"));
                m.flush();
                m.flush(4096, 4096);
                m.flush(1, 1);
                m.flush(8192, 0);
                assertThatThrownBy(() -> m.flush(-1, 1)).isInstanceOf(IllegalArgumentException.class)
                        .hasMessageContaining("flush values out of range");
                assertThatThrownBy(() -> m.flush(0, 8193)).isInstanceOf(IllegalArgumentException.class);
                assertThatThrownBy(() -> m.flush(1, -1)).isInstanceOf(IllegalArgumentException.class);
            }
        }

        @Test
        void flushOfAnonymousIsANoOp() {
            try (MappedRegion m = MappedRegion.anonymous(8)) {
                m.flush();
                m.flush(0, 8);
            }
        }
    }

    @Nested
    class Empty {
        @Test
        void anEmptyRegionBehavesAsAnEmptyFile() throws IOException {
            try (MappedRegion m = MappedRegion.create("empty", 0, opts)) {
                assertThat(m.length()).isZero();
                assertThat(m.size()).isZero();
                assertThat(m.read()).isEmpty();
                assertThat(m.readLine()).isEmpty();
                assertThatThrownBy(m::readByte).isInstanceOf(IllegalArgumentException.class);
                assertThatThrownBy(() -> m.writeByte(1)).isInstanceOf(IllegalArgumentException.class);
                assertThat(m.write(new byte[0])).isZero();
                assertThat(m.find(b("a"))).isEqualTo(-1);
                assertThat(m.find(new byte[0])).isZero();
                assertThat(m.rfind(new byte[0])).isZero();
                assertThat(m.seek(0, Whence.END)).isZero();
                assertThatThrownBy(() -> m.seek(1)).isInstanceOf(IllegalArgumentException.class);
                m.move(0, 0, 0);
                m.flush();
                m.resize(3);
                assertThat(m.read()).containsExactly(0, 0, 0);
            }
            try (MappedRegion r = MappedRegion.open("empty", AccessMode.READ, opts)) {
                assertThat(r.length()).isEqualTo(3);
            }
        }
    }

    @Nested
    class Closed {
        @Test
        void everyCallOnAClosedRegionNamesIt() throws IOException {
            MappedRegion m = MappedRegion.create("gone", 8, opts);
            m.close();
            m.close();
            assertThat(m.isClosed()).isTrue();
            assertThat(m.toString()).contains("closed");
            for (Consumer<MappedRegion> call : java.util.List.<Consumer<MappedRegion>>of(
                    MappedRegion::read, r -> r.read(1), MappedRegion::readByte, MappedRegion::readLine,
                    r -> r.write(b("x")), r -> r.writeByte(1), r -> r.seek(0), r -> r.seek(0, Whence.END),
                    MappedRegion::tell, r -> r.find(b("x")), r -> r.find(b("x"), 0, 1), r -> r.rfind(b("x")),
                    r -> r.move(0, 0, 0), MappedRegion::size, MappedRegion::length, MappedRegion::flush,
                    r -> r.flush(0, 0), r -> r.get(0, 1), r -> r.put(0, b("x")), MappedRegion::asSegment,
                    resizeTo(16))) {
                assertThatThrownBy(() -> call.accept(m)).isInstanceOf(IllegalStateException.class)
                        .hasMessage("region gone is closed");
            }
            assertThat(Files.size(dir.path().resolve("gone"))).isEqualTo(8);
        }

        @Test
        void segmentsFromAClosedRegionFailInsteadOfCrashing() throws IOException {
            MappedRegion m = MappedRegion.create("seg", 8, opts);
            var seg = m.asSegment();
            m.close();
            assertThatThrownBy(() -> seg.get(java.lang.foreign.ValueLayout.JAVA_BYTE, 0))
                    .isInstanceOf(IllegalStateException.class);
        }
    }
}
