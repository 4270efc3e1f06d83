package io.shm4j.etcd;

import io.shm4j.SharedObject;
import io.shm4j.SharedObjectMaster;
import io.shm4j.ShmOptions;

import java.nio.file.Path;
import java.util.Map;

/**
 * A master in its own process: publishes {@code {"n":i,"pad":...}} for i = from..to, pausing
 * {@code pauseMillis} between versions, then prints "done". Args: dir tag from to pauseMillis.
 */
public final class CountingMaster {
    public static void main(String[] args) throws Exception {
        ShmOptions options = ShmOptions.defaults().withDirectory(Path.of(args[0]));
        int from = Integer.parseInt(args[2]);
        int to = Integer.parseInt(args[3]);
        long pause = Long.parseLong(args[4]);
        String pad = "x".repeat(200);
        try (SharedObjectMaster<Object> master = SharedObject.master(args[1], options)) {
            System.out.println("master " + ProcessHandle.current().pid());
            for (int i = from; i <= to; i++) {
                master.publish(Map.of("n", i, "pad", pad));
                if (i == from) {
                    System.out.println("first");
                }
                Thread.sleep(pause);
            }
        }
        System.out.println("done");
    }
}
