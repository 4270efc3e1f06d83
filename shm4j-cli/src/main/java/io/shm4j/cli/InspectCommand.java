package io.shm4j.cli;

import io.shm4j.ContentType;
import io.shm4j.SharedObject;
import io.shm4j.internal.ObjectRegion;
import io.shm4j.internal.Processes;
import io.shm4j.internal.ObjectRegionDescriptor;
import io.shm4j.internal.RegionFiles;
import io.shm4j.internal.Sleepers;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.OptionalInt;
import java.util.concurrent.Callable;
import java.util.zip.CRC32;

/** {@code shm4j inspect TAG}: a shared object's header and slots, for operators. */
@Command(name = "inspect", mixinStandardHelpOptions = true,
        description = "Show a shared object's header and both slots as stored (read-only; see docs/FORMAT.md).")
final class InspectCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Parameters(index = "0", paramLabel = "TAG", description = "Shared object tag.")
    String tag;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = main.spec.commandLine().getOut();
        Path file = RegionFiles.file(tag, main.options());
        try (ObjectRegion r = ObjectRegion.openReadOnly(tag, file)) {
            long committed = r.committedAcquire();
            out.printf("region        %s (%s)%n", tag, file);
            out.printf("format        version %d, header %d bytes, slot capacity %d bytes, file %d bytes%n",
                    ObjectRegionDescriptor.FORMAT_VERSION, ObjectRegionDescriptor.HEADER_LENGTH, r.capacity(),
                    ObjectRegionDescriptor.fileLength(r.capacity()));
            out.printf("created       %s%n", Instant.ofEpochMilli(r.createdMillis()));
            // u64 and u32 fields print unsigned, as FORMAT.md types them (and as Python's inspect does).
            out.printf("committed     %s (slot %d)%n", Long.toUnsignedString(committed), ObjectRegionDescriptor.slotIndex(committed));
            out.printf("flags         %s%n", r.isSuperseded() ? "SUPERSEDED" : "-");
            out.printf("notify        %d%n", Integer.toUnsignedLong(r.notifyAcquire()));
            OptionalInt sleepers = Sleepers.peekCount(file);
            out.printf("old sleepers  %s%n", sleepers.isPresent() // FORMAT.md 3.4: followers before the registry
                    ? Integer.toUnsignedString(sleepers.getAsInt()) : "unknown (no usable " + Sleepers.fileOf(file).getFileName() + ")");
            out.printf("generation    %s%n", Long.toUnsignedString(r.generation()));
            out.printf("master        pid %d, started %s, %s%n", r.masterPid(),
                    r.masterStartMillis() == 0 ? "?" : Instant.ofEpochMilli(r.masterStartMillis()),
                    Processes.isAlive(r.masterPid(), r.masterStartMillis()) ? "alive" : "not running");
            for (int i = 0; i < 2; i++) {
                ObjectRegion.SlotFields s = r.slotFields(i);
                ContentType type = ContentType.ofId(s.contentType());
                out.printf("slot %d        seq %s%s, version %s, length %d, %s, published %s, crc32 %08x %s%n", i,
                        Long.toUnsignedString(s.seq()), (s.seq() & 1) == 1 ? " (being written, or its writer died)" : "",
                        Long.toUnsignedString(s.version()), s.length(),
                        type == null ? "content type " + Integer.toUnsignedString(s.contentType()) + "?" : type.name(),
                        s.version() == 0 ? "-" : Instant.ofEpochSecond(0, s.publishTimeNanos()),
                        s.crc32(), s.version() == 0 ? "" : crcStatus(r, i, s));
            }
        }
        out.println("followers");
        FollowersCommand.table(SharedObject.followers(tag, main.options()), out);
        out.flush();
        return ExitCodes.OK;
    }

    /** Whether the slot's payload (as it is right now, unsynchronized) matches its CRC. */
    private static String crcStatus(ObjectRegion r, int index, ObjectRegion.SlotFields s) {
        if (s.length() > r.capacity()) {
            return "(length beyond the slot!)";
        }
        long payload = ObjectRegionDescriptor.slotOffset(r.capacity(), index) + ObjectRegionDescriptor.SLOT_HEADER_LENGTH;
        CRC32 crc = new CRC32();
        crc.update(r.segment().asSlice(payload, s.length()).asByteBuffer());
        return (int) crc.getValue() == s.crc32() ? "(ok)" : "(MISMATCH)";
    }
}
