package io.shm4j.cli;

import io.shm4j.AccessMode;
import io.shm4j.MappedRegion;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.concurrent.Callable;

/** {@code shm4j dump TAG}: hex and ASCII, 16 bytes a line, as {@code xxd} prints them. */
@Command(name = "dump", mixinStandardHelpOptions = true,
        description = {"Print a region's bytes in hex and ASCII, 16 a line, like xxd.",
                "The region is mapped read-only; nothing is written."})
final class DumpCommand implements Callable<Integer> {
    static final int BYTES_PER_LINE = 16;

    @ParentCommand
    Main main;

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "TAG", description = "Tag of the region.")
    String tag;

    @Option(names = "--offset", paramLabel = "N", description = "First byte to print (default: 0).")
    long offset;

    @Option(names = "--length", paramLabel = "N", description = "Bytes to print (default: to the end).")
    Long length;

    @Override
    public Integer call() throws IOException {
        // No region has a negative offset or length: a bad option value; past this one's end is input (4).
        Main.requireInRange(spec, "--offset", offset, 0, Long.MAX_VALUE);
        Main.requireInRange(spec, "--length", length == null ? 0 : length, 0, Long.MAX_VALUE);
        try (MappedRegion region = MappedRegion.open(tag, AccessMode.READ, main.options())) {
            long size = region.length();
            if (offset > size) {
                throw new IllegalArgumentException("--offset " + offset + " is outside region " + tag + " (0.." + size + ")");
            }
            long end = length == null || length > size - offset ? size : offset + length; // no overflow of offset + length
            PrintWriter out = spec.commandLine().getOut();
            for (long at = offset; at < end; at += BYTES_PER_LINE) {
                out.println(line(at, region.get(at, (int) Math.min(BYTES_PER_LINE, end - at))));
            }
        }
        return ExitCodes.OK;
    }

    /** One xxd line: 8-digit hex offset, 8 groups of 2 bytes, then the printable ASCII. */
    static String line(long offset, byte[] bytes) {
        StringBuilder b = new StringBuilder(80).append(String.format("%08x:", offset));
        for (int i = 0; i < BYTES_PER_LINE; i++) {
            if (i % 2 == 0) {
                b.append(' ');
            }
            b.append(i < bytes.length ? String.format("%02x", bytes[i] & 0xff) : "  ");
        }
        b.append("  ");
        for (byte x : bytes) {
            b.append(x >= 0x20 && x < 0x7f ? (char) x : '.');
        }
        return b.toString();
    }
}
