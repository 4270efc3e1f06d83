package io.shm4j.python;

import io.shm4j.AccessMode;
import io.shm4j.MappedRegion;
import io.shm4j.ReadOnlyRegionException;
import io.shm4j.testing.TestDirectory;
import io.shm4j.Whence;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import tools.jackson.databind.JsonNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Differential fuzz test of {@link MappedRegion} against CPython's {@code mmap}: the class
 * promises to do what Python documents and CPython does, with Java types. Seeded random
 * sequences of operations (read, read_byte, readline, write, write_byte, seek, tell, find,
 * rfind, move, size, len, resize, flush, and slices as {@code get}/{@code put}), with arguments
 * in and out of range, run on a small file (1 to 64 random bytes, sometimes with more file
 * after the mapped part) mapped {@code READ}, {@code WRITE} or {@code COPY}: in Java on a
 * {@code MappedRegion}, in Python 3 on {@code mmap.mmap(fd, length, access=...)} over a file
 * with the same bytes ({@code python/tests/mmap_diff.py}, several hundred sequences per process).
 * After each operation the result (or the exception, Java's mapped to Python's class by the
 * documented mapping), {@code tell()} and {@code len()} must be the same; at the end the files
 * must hold the same bytes, and in {@code READ} and {@code COPY} mode the bytes they started with.
 * Where one of the deliberate differences listed in MappedRegion's class Javadoc applies, only
 * what it leaves comparable is compared ({@link #deliberate}).
 *
 * <p>A failure names the seed, the sequence, the operation and both sides' results; re-running
 * with the same seed is exact. A longer run: {@code ./mvnw -o test -pl shm4j-python -am
 * -Dtest=MappedRegionDifferentialTest -Dsurefire.failIfNoSpecifiedTests=false
 * -Dshm4j.mmapdiff.seed=N -Dshm4j.mmapdiff.sequences=M}, M at least a few hundred: the test also
 * checks that every operation ran and that CPython raised every kind of error compared.
 */
class MappedRegionDifferentialTest {
    private static final long SEED = Long.getLong("shm4j.mmapdiff.seed", 0x3A9_D1FFL);
    private static final int SEQUENCES = Integer.getInteger("shm4j.mmapdiff.sequences", 1000);
    private static final int PER_PROCESS = 250;
    private static final Duration PYTHON_TIMEOUT = Duration.ofSeconds(60);
    private static final HexFormat HEX = HexFormat.of();
    /** Most bytes are from here, so that find, rfind and readline often match. */
    private static final byte[] ALPHABET = {'a', 'b', '\n', 0};
    private static final long[] EXTREMES = {Long.MAX_VALUE, Long.MIN_VALUE, Integer.MAX_VALUE, Integer.MIN_VALUE};
    private static final List<String> OPS = List.of("read", "read_byte", "readline", "write", "write_byte", "seek",
            "tell", "find", "rfind", "move", "size", "len", "resize", "flush", "get", "put");

    @RegisterExtension
    final TestDirectory dir = TestDirectory.create();

    /**
     * One operation as mmap_diff.py runs it: a method of Python's mmap object, or {@code len},
     * {@code get} (a slice read) or {@code put} (a slice assignment); arguments are Long or byte[].
     */
    record Op(String name, List<Object> args) {
        static Op of(String name, Object... args) {
            return new Op(name, List.of(args));
        }

        long num(int i) {
            return (Long) args.get(i);
        }

        byte[] bytes(int i) {
            return (byte[]) args.get(i);
        }

        List<Object> json() {
            List<Object> out = new ArrayList<>(List.of(name));
            args.forEach(a -> out.add(a instanceof byte[] b ? HEX.formatHex(b) : a));
            return out;
        }

        @Override
        public String toString() {
            List<String> shown = args.stream().map(a -> a instanceof byte[] b ? "x'" + HEX.formatHex(b) + "'" : a.toString()).toList();
            return name + "(" + String.join(", ", shown) + ")";
        }
    }

    /** A file of {@code file} bytes, mapped {@code length} bytes ({@code 0}: the whole file) in {@code mode}. */
    record Sequence(int id, AccessMode mode, byte[] file, long length, List<Op> ops) {
        Map<String, Object> json() {
            return Map.of("id", id, "access", mode.name(), "file", HEX.formatHex(file), "length", length,
                    "ops", ops.stream().map(Op::json).toList());
        }
    }

    /** What one operation did (encoded as mmap_diff.py prints it), then tell() and len(). */
    record Step(String result, long tell, long length) {
        @Override
        public String toString() {
            return result + " (tell " + tell + ", len " + length + ")";
        }
    }

    record Outcome(List<Step> steps, byte[] file) {
    }

    @Test
    void mappedRegionDoesWhatCPythonsMmapDoes() throws Exception {
        SplittableRandom random = new SplittableRandom(SEED);
        List<Sequence> sequences = new ArrayList<>();
        for (int i = 0; i < SEQUENCES; i++) {
            sequences.add(generate(i, random));
        }
        List<String> problems = new ArrayList<>();
        Map<String, Integer> opsRun = new TreeMap<>();
        TreeSet<String> pythonResults = new TreeSet<>();
        Map<String, Integer> deliberate = new TreeMap<>();
        for (int from = 0; from < SEQUENCES; from += PER_PROCESS) {
            List<Sequence> batch = sequences.subList(from, Math.min(SEQUENCES, from + PER_PROCESS));
            List<Outcome> python = runInPython(batch);
            for (int i = 0; i < batch.size(); i++) {
                Sequence seq = batch.get(i);
                String problem = compare(seq, python.get(i), runInJava(seq), deliberate);
                if (problem != null) {
                    problems.add(problem);
                }
                seq.ops().forEach(op -> opsRun.merge(op.name(), 1, Integer::sum));
                python.get(i).steps().forEach(s -> pythonResults.add(s.result().replaceFirst(":.*", ":")));
            }
        }
        System.out.println("MappedRegionDifferentialTest: seed " + Long.toHexString(SEED) + ", " + SEQUENCES
                + " sequences, operations " + opsRun + ", CPython results " + pythonResults
                + ", deliberate differences met " + deliberate);
        assertThat(problems).as("seed %x: %d of %d sequences where MappedRegion and CPython differ",
                SEED, problems.size(), SEQUENCES).isEmpty();
        // Every operation ran, and CPython raised each kind of error the comparison maps.
        assertThat(opsRun.keySet()).containsExactlyInAnyOrderElementsOf(OPS);
        assertThat(pythonResults).contains("!ValueError", "!IndexError", "!TypeError", "!OverflowError", "!OSError",
                "outside", "b:", "i:", "none");
    }

    // ------------------------------------------------------------------ comparing

    /**
     * Null if both sides did the same, else a description of the first difference; counts in
     * {@code deliberate} the operations where a deliberate difference applied.
     */
    private static String compare(Sequence seq, Outcome python, Outcome java, Map<String, Integer> deliberate) {
        for (int i = 0; i < seq.ops().size(); i++) {
            Op op = seq.ops().get(i);
            Step p = python.steps().get(i);
            Step j = java.steps().get(i);
            boolean explained = !p.result().equals(j.result()) && deliberate(seq.mode(), op, p, j);
            if (explained) {
                deliberate.merge(op.name(), 1, Integer::sum);
            }
            if (p.tell() != j.tell() || p.length() != j.length() || !(p.result().equals(j.result()) || explained)) {
                return where(seq) + ", operation " + i + ": " + op + "\n  CPython:      " + p
                        + "\n  MappedRegion: " + j + "\n  operations before it: " + seq.ops().subList(0, i);
            }
        }
        if (!Arrays.equals(python.file(), java.file())) {
            return where(seq) + ": the files differ after close\n  CPython:      " + HEX.formatHex(python.file())
                    + "\n  MappedRegion: " + HEX.formatHex(java.file()) + "\n  operations: " + seq.ops();
        }
        if (seq.mode() != AccessMode.WRITE && !Arrays.equals(seq.file(), java.file())) {
            return where(seq) + ": a " + seq.mode() + " map changed its file\n  before: " + HEX.formatHex(seq.file())
                    + "\n  after:  " + HEX.formatHex(java.file()) + "\n  operations: " + seq.ops();
        }
        return null;
    }

    private static String where(Sequence seq) {
        return "seed " + Long.toHexString(SEED) + ", sequence " + seq.id() + " (" + seq.mode() + ", map length "
                + seq.length() + " of file " + HEX.formatHex(seq.file()) + ")";
    }

    /**
     * True if one of the deliberate differences in MappedRegion's class Javadoc explains why
     * CPython's result {@code p} and MappedRegion's {@code j} differ; positions and lengths are
     * compared regardless.
     */
    private static boolean deliberate(AccessMode mode, Op op, Step p, Step j) {
        return switch (op.name()) {
            // seek returns the new position; CPython 3.11 returns None (3.13 the position).
            case "seek" -> p.result().equals("none") && j.result().equals("i:" + j.tell());
            // flush accepts offsets that are not page-aligned, where CPython's msync fails with
            // EINVAL. These maps are shorter than a page: every offset but 0 is unaligned.
            case "flush" -> mode == AccessMode.WRITE && op.args().size() == 2 && op.num(0) != 0
                    && p.result().equals("!OSError") && j.result().equals("none");
            // writeByte of a value outside 0..255: IllegalArgumentException, Python's OverflowError.
            case "write_byte" -> (op.num(0) < 0 || op.num(0) > 255)
                    && p.result().equals("!OverflowError") && j.result().equals("!ValueError");
            // resize of a COPY map: UnsupportedOperationException, Python's TypeError.
            case "resize" -> mode == AccessMode.COPY && p.result().equals("!TypeError")
                    && j.result().startsWith("!java:java.lang.UnsupportedOperationException");
            // get and put refuse a range outside the map, which a Python slice clamps or counts from the end.
            case "get", "put" -> p.result().equals("outside") && j.result().equals("!IndexError");
            // Not a difference of MappedRegion's but of CPython's versions: an empty needle in a
            // window that is empty after slice clamping (start > end) is found at an index by
            // CPython 3.11.2 (Debian's python3) and not found (-1) by 3.11.7, as bytes.find does
            // and as MappedRegion does.
            case "find", "rfind" -> op.bytes(0).length == 0 && op.args().size() == 3
                    && clampIndex(op.num(1), j.length()) > clampIndex(op.num(2), j.length()) && j.result().equals("i:-1");
            default -> false;
        };
    }

    /** A slice index as Python clamps it: negative counts from the end, then into [0, length]. */
    private static long clampIndex(long index, long length) {
        long i = index < 0 ? Math.max(0, index + length) : index;
        return Math.min(i, length);
    }

    // ------------------------------------------------------------------ running

    private List<Outcome> runInPython(List<Sequence> batch) throws IOException, InterruptedException {
        Map<String, Object> request = Map.of("dir", dir.path().toString(),
                "sequences", batch.stream().map(Sequence::json).toList());
        List<JsonNode> lines = PythonPeer.exchange("tests.mmap_diff", request, batch.size(), PYTHON_TIMEOUT);
        List<Outcome> outcomes = new ArrayList<>();
        for (int i = 0; i < batch.size(); i++) {
            Sequence seq = batch.get(i);
            JsonNode line = lines.get(i);
            assertThat(line.get("id").asInt()).isEqualTo(seq.id());
            List<Step> steps = new ArrayList<>();
            for (JsonNode s : line.get("steps")) {
                steps.add(new Step(s.get(0).asString(), s.get(1).asLong(), s.get(2).asLong()));
            }
            assertThat(steps).hasSameSizeAs(seq.ops());
            outcomes.add(new Outcome(steps, HEX.parseHex(line.get("file").asString())));
        }
        return outcomes;
    }

    private Outcome runInJava(Sequence seq) throws IOException {
        Path file = dir.path().resolve("java-" + seq.id());
        Files.write(file, seq.file());
        List<Step> steps = new ArrayList<>();
        try (MappedRegion m = MappedRegion.map(file, seq.length(), seq.mode())) {
            for (Op op : seq.ops()) {
                steps.add(new Step(call(m, op), m.tell(), m.length()));
            }
        }
        byte[] after = Files.readAllBytes(file);
        Files.delete(file);
        return new Outcome(steps, after);
    }

    /** Runs {@code op} on {@code m}; the result encoded as mmap_diff.py encodes Python's. */
    private static String call(MappedRegion m, Op op) {
        int argc = op.args().size();
        try {
            return switch (op.name()) {
                case "read" -> bytes(argc == 0 ? m.read() : m.read(op.num(0)));
                case "read_byte" -> "i:" + m.readByte();
                case "readline" -> bytes(m.readLine());
                case "write" -> "i:" + m.write(op.bytes(0));
                case "write_byte" -> {
                    m.writeByte((int) op.num(0));
                    yield "none";
                }
                case "seek" -> "i:" + (argc == 1 ? m.seek(op.num(0)) : m.seek(op.num(0), Whence.values()[(int) op.num(1)]));
                case "tell" -> "i:" + m.tell();
                case "find" -> "i:" + switch (argc) {
                    case 1 -> m.find(op.bytes(0));
                    case 2 -> m.find(op.bytes(0), op.num(1));
                    default -> m.find(op.bytes(0), op.num(1), op.num(2));
                };
                case "rfind" -> "i:" + switch (argc) {
                    case 1 -> m.rfind(op.bytes(0));
                    case 2 -> m.rfind(op.bytes(0), op.num(1));
                    default -> m.rfind(op.bytes(0), op.num(1), op.num(2));
                };
                case "move" -> {
                    m.move(op.num(0), op.num(1), op.num(2));
                    yield "none";
                }
                case "size" -> "i:" + m.size();
                case "len" -> "i:" + m.length();
                case "resize" -> {
                    m.resize(op.num(0));
                    yield "none";
                }
                case "flush" -> {
                    if (argc == 0) {
                        m.flush();
                    } else {
                        m.flush(op.num(0), op.num(1));
                    }
                    yield "none";
                }
                case "get" -> bytes(m.get(op.num(0), Math.toIntExact(op.num(1))));
                case "put" -> {
                    m.put(op.num(0), op.bytes(1));
                    yield "none";
                }
                default -> throw new AssertionError("unknown operation " + op);
            };
        } catch (ReadOnlyRegionException e) {
            return "!TypeError";
        } catch (IllegalArgumentException e) {
            return "!ValueError";
        } catch (IndexOutOfBoundsException e) {
            return "!IndexError";
        } catch (IOException | UncheckedIOException e) {
            return "!OSError";
        } catch (RuntimeException e) {
            return "!java:" + e; // no Python counterpart: never equal to a CPython result
        }
    }

    private static String bytes(byte[] b) {
        return "b:" + HEX.formatHex(b);
    }

    // ------------------------------------------------------------------ generating

    private static Sequence generate(int id, SplittableRandom r) {
        AccessMode mode = AccessMode.values()[r.nextInt(3)];
        int length = r.nextInt(1, 65);
        int tail = r.nextInt(4) == 0 ? r.nextInt(1, 17) : 0; // file bytes after the map: size() != len()
        byte[] file = randomBytes(r, length + tail);
        long mapLength = tail == 0 && r.nextBoolean() ? 0 : length;
        long len = length; // the map's length as far as this knows: only a resize in WRITE mode changes it
        List<Op> ops = new ArrayList<>();
        for (int n = r.nextInt(20, 41); ops.size() < n; ) {
            Op op = operation(r, len, file);
            if (mode == AccessMode.WRITE && op.name().equals("resize") && op.num(0) > 0) {
                len = op.num(0);
            }
            ops.add(op);
        }
        return new Sequence(id, mode, file, mapLength, ops);
    }

    private static Op operation(SplittableRandom r, long len, byte[] file) {
        String name = OPS.get(r.nextInt(OPS.size()));
        return switch (name) {
            case "read" -> r.nextInt(4) == 0 ? Op.of(name) : Op.of(name, index(r, len));
            case "write" -> Op.of(name, randomBytes(r, writeLength(r, len)));
            case "write_byte" -> Op.of(name, r.nextInt(8) == 0 ? new long[] {-1, 256, -128, 1000}[r.nextInt(4)] : r.nextLong(256));
            case "seek" -> switch (r.nextInt(4)) {
                case 0 -> Op.of(name, index(r, len));
                case 1 -> Op.of(name, index(r, len), 0L);
                case 2 -> Op.of(name, r.nextInt(8) == 0 ? index(r, len) : r.nextLong(-len - 2, len + 3), 1L);
                default -> Op.of(name, r.nextInt(8) == 0 ? index(r, len) : r.nextLong(-len - 2, 3), 2L);
            };
            case "find", "rfind" -> switch (r.nextInt(3)) {
                case 0 -> Op.of(name, needle(r, file));
                case 1 -> Op.of(name, needle(r, file), index(r, len));
                default -> Op.of(name, needle(r, file), index(r, len), index(r, len));
            };
            case "move" -> Op.of(name, index(r, len), index(r, len), r.nextBoolean() ? r.nextLong(len + 2) : index(r, len));
            // Not 0: CPython 3.11 on Linux truncates the file, then fails in mremap (OSError) and
            // keeps the old length over the empty file; MappedRegion allows empty regions.
            case "resize" -> Op.of(name, r.nextInt(8) == 0 ? -r.nextLong(1, 5) : r.nextLong(1, 81));
            case "flush" -> r.nextInt(3) == 0 ? Op.of(name) : Op.of(name, r.nextBoolean() ? 0L : index(r, len), index(r, len));
            case "get" -> Op.of(name, index(r, len), r.nextBoolean() ? r.nextLong(5) : Math.clamp(index(r, len), Integer.MIN_VALUE, Integer.MAX_VALUE));
            case "put" -> Op.of(name, index(r, len), randomBytes(r, writeLength(r, len)));
            default -> Op.of(name); // read_byte, readline, tell, size, len
        };
    }

    /** An index or count around the map's length {@code len}: inside, at the edges, negative, past the end, extreme. */
    private static long index(SplittableRandom r, long len) {
        return switch (r.nextInt(12)) {
            case 0 -> 0;
            case 1 -> len;
            case 2 -> len + 1;
            case 3 -> -1;
            case 4 -> -len - r.nextLong(3);
            case 5 -> -r.nextLong(1, len + 1);
            case 6 -> len + r.nextLong(2, 100);
            case 7 -> EXTREMES[r.nextInt(EXTREMES.length)];
            default -> r.nextLong(len + 1);
        };
    }

    /** Mostly a few bytes, sometimes up to two more than the map holds. */
    private static int writeLength(SplittableRandom r, long len) {
        return r.nextInt(4) == 0 ? r.nextInt((int) len + 3) : r.nextInt(5);
    }

    /** A piece of the initial bytes (often still there) or a few new ones; may be empty. */
    private static byte[] needle(SplittableRandom r, byte[] file) {
        int n = r.nextInt(5);
        if (r.nextBoolean() && n <= file.length) {
            int at = r.nextInt(file.length - n + 1);
            return Arrays.copyOfRange(file, at, at + n);
        }
        return randomBytes(r, n);
    }

    private static byte[] randomBytes(SplittableRandom r, int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = r.nextInt(3) == 0 ? (byte) r.nextInt(256) : ALPHABET[r.nextInt(ALPHABET.length)];
        }
        return b;
    }
}
