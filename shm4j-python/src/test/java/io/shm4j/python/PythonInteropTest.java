package io.shm4j.python;

import io.shm4j.testing.ChildJvm;
import io.shm4j.MasterConflictException;
import io.shm4j.ObjectCodecs;
import io.shm4j.testing.ObjectPeerMain;
import io.shm4j.SharedObject;
import io.shm4j.SharedObjectFollower;
import io.shm4j.testing.TestDirectory;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Java and Python processes on the same regions: a master of one language with followers of the
 * other under a torn-read stress (self-checking objects, 0 invalid reads, growth included), and
 * masters of the two languages excluding each other. Every peer is a real process.
 */
class PythonInteropTest {
    /** New versions each follower validates; the master publishes until every follower is done. */
    private static final int STRESS_VERSIONS = 100;
    private static final Duration START = ChildJvm.START;
    /** Generous: the followers' work under heavy load (they give up after 300 s and say so). */
    private static final Duration WORK_DONE = Duration.ofSeconds(400);
    private static final Pattern RESULT = Pattern.compile("(\\w+)=(\\S+)");

    @Test
    void javaMasterToPythonFollowersUnderStress() throws Exception {
        try (TestDirectory dir = new TestDirectory();
             ChildJvm master = ChildJvm.start(InteropPeer.class, "json-master", dir.path().toString(), "j2p")) {
            master.awaitLine("READY", START);
            List<ChildJvm> followers = new ArrayList<>();
            try {
                for (int i = 0; i < 3; i++) {
                    followers.add(PythonPeer.procs("follower", "j2p", dir.path(), STRESS_VERSIONS));
                }
                for (ChildJvm f : followers) {
                    f.awaitLine("ready", START);
                }
                for (ChildJvm f : followers) {
                    // {"reads": .., "invalid": .., "versions": .., "last": .., "retries": .., "firstError": ..}
                    JsonNode summary = tools.jackson.databind.json.JsonMapper.builder().build()
                            .readTree(f.awaitLine("{", WORK_DONE));
                    System.out.println("java master -> python follower: " + summary);
                    assertThat(summary.get("invalid").asLong()).as(summary.toString()).isZero();
                    assertThat(summary.get("done").asBoolean()).as("saw %d new versions before the deadline: %s",
                            STRESS_VERSIONS, summary).isTrue();
                }
            } finally {
                for (ChildJvm f : followers) {
                    f.close();
                }
            }
            master.process().getOutputStream().close(); // every follower is done
            long finalVersion = Long.parseLong(result(master.awaitLine("RESULT", Duration.ofSeconds(30))).get("version"));
            try (SharedObjectFollower<JsonNode> check = SharedObject.follower("j2p", JsonNode.class, dir.options())) {
                assertThat(check.version()).isEqualTo(finalVersion);
            }
        }
    }

    @Test
    void pythonMasterToJavaFollowersUnderStress() throws Exception {
        try (TestDirectory dir = new TestDirectory();
             ChildJvm master = PythonPeer.procs("master", "p2j", dir.path())) {
            master.awaitLine("ready", START);
            List<ChildJvm> followers = new ArrayList<>();
            try {
                for (int i = 0; i < 3; i++) {
                    followers.add(ChildJvm.start(InteropPeer.class, "json-follower", dir.path().toString(), "p2j",
                            String.valueOf(STRESS_VERSIONS)));
                }
                for (ChildJvm f : followers) {
                    f.awaitLine("READY", START);
                }
                for (ChildJvm f : followers) {
                    String line = f.awaitLine("RESULT", WORK_DONE);
                    System.out.println("python master -> java follower: " + line);
                    Map<String, String> r = result(line);
                    assertThat(r.get("invalid")).as(line).isEqualTo("0");
                    assertThat(r.get("backwards")).as(line).isEqualTo("0");
                    assertThat(r.get("done")).as("saw %d new versions before the deadline: %s", STRESS_VERSIONS, line).isEqualTo("true");
                }
            } finally {
                for (ChildJvm f : followers) {
                    f.close();
                }
            }
            master.process().getOutputStream().close(); // every follower is done
            long finalVersion = Long.parseLong(master.awaitLine("done", Duration.ofSeconds(30)).split(" ")[1]);
            try (SharedObjectFollower<byte[]> check = SharedObject.follower("p2j", ObjectCodecs.bytes(), dir.options())) {
                assertThat(check.version()).isEqualTo(finalVersion);
                assertThat(InteropPeer.check(check.snapshot().bytes(), finalVersion)).isNull();
            }
        }
    }

    @Test
    void aJavaMasterExcludesPythonMastersNamingItsPid() throws Exception {
        try (TestDirectory dir = new TestDirectory()) {
            try (ChildJvm holder = ChildJvm.start(ObjectPeerMain.class, "hold-master", dir.path().toString(), "held")) {
                holder.awaitLine("READY", START);
                try (ChildJvm python = PythonPeer.procs("try", "held", dir.path())) {
                    assertThat(python.awaitLine("", START)).isEqualTo("conflict pid=" + holder.pid());
                }
                holder.process().getOutputStream().close();
                assertThat(holder.waitFor(START)).isZero();
            }
            try (ChildJvm python = PythonPeer.procs("try", "held", dir.path())) {
                assertThat(python.awaitLine("", START)).isEqualTo("ok version=1");
            }
        }
    }

    @Test
    void aPythonMasterExcludesJavaMastersNamingItsPid() throws Exception {
        try (TestDirectory dir = new TestDirectory()) {
            try (ChildJvm holder = PythonPeer.procs("hold", "held", dir.path())) {
                long pid = Long.parseLong(holder.awaitLine("ready", START).split(" ")[1]);
                assertThat(pid).isEqualTo(holder.pid());
                try (ChildJvm java = ChildJvm.start(ObjectPeerMain.class, "try-master", dir.path().toString(), "held")) {
                    assertThat(java.awaitLine("RESULT", START)).isEqualTo("RESULT conflict pid=" + pid);
                }
                assertThatThrownBy(() -> SharedObject.master("held", dir.options()))
                        .isInstanceOf(MasterConflictException.class)
                        .hasMessageContaining(String.valueOf(pid));
                holder.kill(); // SIGKILL: the kernel frees the lock
            }
            try (ChildJvm java = ChildJvm.start(ObjectPeerMain.class, "try-master", dir.path().toString(), "held")) {
                assertThat(java.awaitLine("RESULT", START)).isEqualTo("RESULT ok version=1");
            }
        }
    }

    private static Map<String, String> result(String line) {
        Map<String, String> fields = new java.util.HashMap<>();
        Matcher m = RESULT.matcher(line);
        while (m.find()) {
            fields.put(m.group(1), m.group(2));
        }
        return fields;
    }
}
