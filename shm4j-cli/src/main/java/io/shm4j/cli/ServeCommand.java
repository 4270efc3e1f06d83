package io.shm4j.cli;

import io.shm4j.CodecException;
import io.shm4j.ObjectCodecs;
import io.shm4j.ObjectTooLargeException;
import io.shm4j.SharedObject;
import io.shm4j.SharedObjectMaster;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import tools.jackson.databind.JsonNode;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.nio.file.attribute.FileTime;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/**
 * {@code shm4j serve TAG --file F}: a long-running master that republishes F on every change.
 * Editors that save by rename are covered (the directory is watched, not the file), and the
 * modification time is also polled each second in case an event is lost.
 */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = {"Be the master of TAG: publish a JSON file, then republish it on every change until interrupted.",
                "A file that is invalid, or cannot be read or looked up, is reported on stderr and the last good"
                        + " version stays published."})
final class ServeCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Parameters(index = "0", paramLabel = "TAG", description = "Shared object tag.")
    String tag;

    @Option(names = "--file", required = true, paramLabel = "F", description = "The JSON file to publish.")
    Path file;

    @Mixin
    MasterOptions masterOptions;

    @Override
    public Integer call() throws Exception {
        Path watched = file.toAbsolutePath();
        PrintWriter out = main.spec.commandLine().getOut();
        PrintWriter err = main.spec.commandLine().getErr();
        FileTime published = modified(watched); // before reading: a change from now on is caught
        JsonNode first = JsonInput.parse(JsonInput.read(null, watched), watched.toString());
        try (SharedObjectMaster<JsonNode> master = SharedObject.master(tag, ObjectCodecs.jsonTree(), masterOptions.apply(main.options()));
             WatchService watcher = FileSystems.getDefault().newWatchService()) {
            try {
                watched.getParent().register(watcher, StandardWatchEventKinds.ENTRY_MODIFY,
                        StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_DELETE);
            } catch (AccessDeniedException e) {
                throw new AccessDeniedException(watched.toString(), null, "cannot watch it: no read permission on"
                        + " its directory " + watched.getParent());
            }
            long firstVersion;
            try {
                firstVersion = master.publish(first);
            } catch (ObjectTooLargeException e) {
                throw MasterOptions.tooLarge(e);
            }
            out.println("serving " + watched + " as " + tag + ": version " + firstVersion);
            out.flush();
            boolean lookupFailed = false; // said once, not every second
            while (!Thread.currentThread().isInterrupted()) {
                WatchKey key = watcher.poll(1, TimeUnit.SECONDS);
                if (key != null) {
                    key.pollEvents();
                    key.reset();
                    Thread.sleep(20); // let a writer finish; a later event or the poll catches the rest
                }
                FileTime now;
                try {
                    now = modified(watched);
                } catch (AccessDeniedException e) {
                    if (!lookupFailed) {
                        staysPublished(err, e.getMessage(), master);
                    }
                    lookupFailed = true;
                    continue;
                }
                lookupFailed = false;
                if (now == null || now.equals(published)) {
                    continue;
                }
                published = now;
                try {
                    JsonNode value = JsonInput.parse(JsonInput.read(null, watched), watched.toString());
                    if (!value.equals(master.current())) {
                        out.println("version " + master.publish(value));
                        out.flush();
                    }
                } catch (CodecException | IOException | ObjectTooLargeException e) {
                    staysPublished(err, e instanceof ObjectTooLargeException t ? MasterOptions.tooLarge(t).getMessage()
                            : e.getMessage(), master);
                }
            }
        }
        return ExitCodes.INTERRUPTED;
    }

    /** The line for a version serve could not publish: the last good one stays. */
    private static void staysPublished(PrintWriter err, String message, SharedObjectMaster<?> master) {
        err.println("shm4j: " + message.replace("nothing was published", "version " + master.version() + " stays published"));
        err.flush();
    }

    private static FileTime modified(Path file) throws IOException {
        try {
            return Files.getLastModifiedTime(file);
        } catch (NoSuchFileException e) {
            return null; // between an editor's delete and rename: wait for the new file
        } catch (AccessDeniedException e) {
            throw new AccessDeniedException(file.toString(), null, "cannot watch it: no permission to look it up"
                    + " (its directory " + file.getParent() + " must be searchable); nothing was published");
        }
    }
}
