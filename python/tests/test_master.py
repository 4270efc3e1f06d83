"""The master: publishing, versions across masters, crash leftovers, limits, and the
exclusive lock between real processes (docs/FORMAT.md 5.1, 5.3-5.5, 5.7)."""
import itertools
import mmap
import os
import signal
import stat
import struct
import subprocess
import unittest
from unittest import mock

import shm4j
from shm4j import _regionfile as rf, master as master_module
from shm4j._format import (COMMITTED_OFFSET, GENERATION_OFFSET, MASTER_PID_OFFSET,
                           MIN_SLOT_CAPACITY, SLOT_HEADER_LENGTH, file_length, slot_offset)
from tests import procs
from tests.support import RegionTestCase, expect_line

HOLD_MASTER = """
import sys, shm4j
m = shm4j.Master(sys.argv[1], sys.argv[2])
m.publish({"holder": "python"})
print("ready", flush=True)
sys.stdin.read()
"""


class Injected(Exception):
    """A failure a test injects into a step of taking a region."""


def seq_of(case, tag, version):
    return struct.unpack("<Q", case.peek(tag, slot_offset(MIN_SLOT_CAPACITY, version & 1), 8))[0]


class MasterTest(RegionTestCase):

    def test_creates_a_whole_region_file_with_mode_0600(self):
        with shm4j.Master("new", self.dir) as m:
            self.assertEqual(0, m.version)
            self.assertIsNone(m.current())
            st = os.stat(self.path("new"))
            self.assertEqual(0o600, stat.S_IMODE(st.st_mode))
            self.assertEqual(file_length(MIN_SLOT_CAPACITY), st.st_size)
            self.assertGreaterEqual(st.st_blocks * 512, st.st_size)  # reserved, not sparse
            self.assertEqual(["new", "new~followers", "new~sleepers"], sorted(os.listdir(self.dir)))
            self.assertEqual(os.getpid(), struct.unpack("<q", self.peek("new", MASTER_PID_OFFSET, 8))[0])
            self.assertEqual(1, struct.unpack("<Q", self.peek("new", GENERATION_OFFSET, 8))[0])

    def test_publish_update_current(self):
        with shm4j.Master("cfg", self.dir) as m:
            self.assertEqual(1, m.publish({"limit": 10}))
            self.assertEqual(2, m.update(lambda cfg: {**cfg, "limit": cfg["limit"] * 2}))
            self.assertEqual({"limit": 20}, m.current())
            self.assertEqual(2, m.version)

    def test_versions_continue_across_masters(self):
        with shm4j.Master("v", self.dir) as m:
            m.publish("a")
            m.publish("b")
        with shm4j.Master("v", self.dir) as m:
            self.assertEqual(2, m.version)
            self.assertEqual("b", m.current())
            self.assertEqual(3, m.update(lambda s: s + "c"))
            self.assertEqual(2, struct.unpack("<Q", self.peek("v", GENERATION_OFFSET, 8))[0])
        with shm4j.Follower("v", self.dir) as f:
            self.assertEqual("bc", f.get())

    def test_a_slot_left_odd_by_a_dead_master_is_rewritten_and_made_even(self):
        with shm4j.Master("crash", self.dir) as m:
            m.publish({"v": 1})
        # the master died writing version 2 into slot 0: seq odd, payload half written
        base = slot_offset(MIN_SLOT_CAPACITY, 0)
        self.poke("crash", base, struct.pack("<Q", 5))
        self.poke("crash", base + SLOT_HEADER_LENGTH, b"garbage")
        with shm4j.Follower("crash", self.dir) as f:
            self.assertEqual({"v": 1}, f.get())
            with shm4j.Master("crash", self.dir) as m:
                self.assertEqual(2, m.publish({"v": 2}))
            self.assertEqual(6, seq_of(self, "crash", 2))
            self.assertEqual({"v": 2}, f.get())

    def test_a_whole_but_uncommitted_slot_is_not_read_and_its_number_is_reused(self):
        with shm4j.Master("unc", self.dir) as m:
            m.publish({"v": 1})
            m.publish({"v": 2})
        self.poke("unc", COMMITTED_OFFSET, struct.pack("<Q", 1))  # died before committing 2
        with shm4j.Follower("unc", self.dir) as f:
            self.assertEqual({"v": 1}, f.get())
            with shm4j.Master("unc", self.dir) as m:
                self.assertEqual(2, m.publish({"v": "2 again"}))
            self.assertEqual({"v": "2 again"}, f.get())

    def test_a_committed_version_no_master_wrote_is_refused_writing_nothing(self):
        # FORMAT.md 5.3 step 3: 2^63 - 1 or more; continuing from it would overflow.
        for committed in (2**63 - 1, 2**64 - 1):
            with self.subTest(committed=committed):
                with shm4j.Master("big", self.dir) as m:
                    m.publish({"v": 1})
                self.poke("big", COMMITTED_OFFSET, struct.pack("<Q", committed))
                with open(self.path("big"), "rb") as before:
                    damaged = before.read()
                with shm4j.Follower("big", self.dir) as f:  # a follower here shares the file
                    with self.assertRaisesRegex(shm4j.CorruptRegionError, "region big \\(.*\\) has committed "
                                                "version %d, which no master wrote" % committed):
                        shm4j.Master("big", self.dir)
                    with open(self.path("big"), "rb") as after:
                        self.assertEqual(damaged, after.read())
                    self.poke("big", COMMITTED_OFFSET, struct.pack("<Q", 2**63 - 2))
                    self.assert_taken_by_another_process("big")  # the refusal released the lock
                os.unlink(self.path("big"))

    def test_a_seq_and_a_generation_of_2_64_minus_1_wrap_to_0_as_in_java(self):
        with shm4j.Master("wrap", self.dir) as m:
            m.publish({"v": 1})
        self.poke("wrap", GENERATION_OFFSET, struct.pack("<Q", 2**64 - 1))
        self.poke("wrap", slot_offset(MIN_SLOT_CAPACITY, 0), struct.pack("<Q", 2**64 - 1))
        with shm4j.Master("wrap", self.dir) as m:
            self.assertEqual(2, m.publish({"v": 2}))
        self.assertEqual(0, struct.unpack("<Q", self.peek("wrap", GENERATION_OFFSET, 8))[0])
        self.assertEqual(0, seq_of(self, "wrap", 2))
        with shm4j.Follower("wrap", self.dir) as f:
            self.assertEqual({"v": 2}, f.get())

    def test_too_large_and_unserializable_objects_are_refused_before_writing(self):
        with shm4j.Master("lim", self.dir, max_object_size=100) as m, shm4j.Follower("lim", self.dir) as f:
            m.publish("ok")
            with self.assertRaisesRegex(shm4j.ObjectTooLargeError, "the limit is 100 bytes"):
                m.publish("x" * 200)
            for bad in ({1, 2}, float("nan"), object()):
                with self.assertRaises(shm4j.InvalidObjectError):
                    m.publish(bad)
            self.assertEqual(1, m.version)
            self.assertEqual("ok", f.get())

    def test_second_master_in_another_process_is_refused_naming_the_pid(self):
        with shm4j.Master("excl", self.dir):
            child = self.child("""
import sys, shm4j
try:
    shm4j.Master(sys.argv[1], sys.argv[2])
    print("took it")
except shm4j.MasterConflictError as e:
    print("refused", e.holder_pid, e)
""", "excl", self.dir)
            out, _ = child.communicate(timeout=30)
        self.assertIn("refused %d" % os.getpid(), out)
        self.assertIn("pid %d holds its lock" % os.getpid(), out)

    def test_lock_of_a_master_process_excludes_until_it_exits_or_is_killed(self):
        for end in ("exit", "kill"):
            with self.subTest(end):
                holder = self.child(HOLD_MASTER, "lock", self.dir)
                try:
                    expect_line(holder, "ready")
                    with self.assertRaises(shm4j.MasterConflictError) as refused:
                        shm4j.Master("lock", self.dir)
                    self.assertEqual(holder.pid, refused.exception.holder_pid)
                    self.assertIn(str(holder.pid), str(refused.exception))
                finally:
                    if end == "kill":
                        holder.send_signal(signal.SIGKILL)
                    holder.stdin.close()
                    holder.wait(30)
                with shm4j.Master("lock", self.dir) as m:
                    self.assertEqual({"holder": "python"}, m.current())
                    m.publish({"holder": "test"})

    def test_a_second_master_in_the_same_process_is_refused(self):
        with shm4j.Master("same", self.dir):
            with self.assertRaisesRegex(shm4j.MasterConflictError, "in this process"):
                shm4j.Master("same", self.dir)

    def test_followers_in_the_master_process_never_drop_its_lock(self):
        with shm4j.Master("own", self.dir) as m:
            m.publish(1)
            shm4j.Follower("own", self.dir).close()       # opened after the master
            m.publish("z" * 9000)                          # growth: a new file and lock
            with shm4j.Follower("own", self.dir) as f:
                self.assertEqual("z" * 9000, f.get())
            self.assert_locked_by_another_process("own")
        with shm4j.Follower("own", self.dir) as early:    # opened before the master
            with shm4j.Master("own", self.dir):
                early.close()
                self.assert_locked_by_another_process("own")

    def test_nothing_the_master_process_does_with_the_file_drops_its_lock(self):
        # A POSIX record lock (lockf) is dropped when its process closes any descriptor of the
        # file; the master's OFD lock is not (FORMAT.md 5.3). Each way below opened and closed
        # the file in the master's process and let another process become a second master.
        ways = procs.touch_ways("held", self.dir)
        contender = self.python("-m", "tests.procs", "try-loop", "held", self.dir)

        def assert_refused(where):
            contender.stdin.write("try\n")
            contender.stdin.flush()
            self.assertEqual("conflict pid=%d" % os.getpid(), expect_line(contender, ""), where)

        with shm4j.Master("held", self.dir) as m:
            m.publish({"v": 1})
            for size in (10, 9000):  # 9000: growth, the lock on the new file
                m.publish("z" * size)
                for name, way in ways:
                    way()
                    assert_refused("after %s (object of %d bytes)" % (name, size))
        contender.stdin.write("try\n")
        contender.stdin.flush()
        self.assertTrue(expect_line(contender, "").startswith("ok "))

    def test_helpers_of_dead_creators_are_removed_by_the_next_creator_and_master(self):
        # FORMAT.md 1, 5.5: <name>~new.<pid>.<n>, as Java names them (CreationHelpersTest there).
        p = subprocess.Popen(["true"])
        p.wait()
        dead, live = p.pid, os.getppid()
        with shm4j.Master("obj", self.dir) as m:
            m.publish(1)
        self.assertEqual(["obj", "obj~followers", "obj~sleepers"], sorted(os.listdir(self.dir)), "no helper left")
        os.link(self.path("obj"), self.path("obj~new.%d.1" % dead))  # killed between link and unlink
        for name in ("obj~new.%d.2" % dead, "obj~new.%d.1" % live, "obj~sleepers~new.%d.3" % dead):
            with open(self.path(name), "w") as f:
                f.write("helper")
        with shm4j.Master("obj", self.dir) as m:  # takes the tag
            self.assertEqual(1, m.current())
        os.unlink(self.path("obj~sleepers"))
        shm4j.Master("obj", self.dir).close()  # creates obj~sleepers again
        self.assertEqual(["obj", "obj~followers", "obj~new.%d.1" % live, "obj~sleepers"], sorted(os.listdir(self.dir)))

    def test_a_failure_after_the_lock_is_taken_releases_the_lock_and_the_file(self):
        # Steps that may fail with the lock held: mapping the file writable, after the file is
        # registered as this master's (the last step of _take), and the constructor after _take.
        steps = {"map": (mmap, "mmap"), "registered": (master_module, "_bump_notify"),
                 "constructor": (shm4j.Master, "_read_committed")}
        with shm4j.Master("late", self.dir) as m:
            m.publish({"v": 1})
        key = rf.key_of(os.stat(self.path("late")))
        for (step, (owner, name)), follower_first in itertools.product(steps.items(), (False, True)):
            with self.subTest(step=step, follower_first=follower_first):
                early = shm4j.Follower("late", self.dir) if follower_first else None
                with mock.patch.object(owner, name, side_effect=Injected(step)):
                    with self.assertRaises(Injected):
                        shm4j.Master("late", self.dir)
                entry = rf.lookup(key)
                if early is None:
                    self.assertIsNone(entry, "the file is still mapped and registered")
                else:  # the follower's use only: no master, no leftover use of the failed one
                    self.assertEqual((1, None), (entry.refs, entry.master))
                self.assert_taken_by_another_process("late")  # the lock was released
                with shm4j.Master("late", self.dir) as m:     # no master of this process is left
                    m.publish({"v": step})
                with shm4j.Follower("late", self.dir) as f:
                    self.assertEqual({"v": step}, f.get())
                if early is not None:
                    self.assertEqual({"v": step}, early.get())
                    early.close()
                self.assertIsNone(rf.lookup(key), "the file stays mapped after its last user closed")

    def assert_locked_by_another_process(self, tag):
        child = self.child("""
import sys, shm4j
try:
    shm4j.Master(sys.argv[1], sys.argv[2]); print("took it")
except shm4j.MasterConflictError as e:
    print("refused", e.holder_pid)
""", tag, self.dir)
        out, _ = child.communicate(timeout=30)
        self.assertEqual("refused %d" % os.getpid(), out.strip())

    def assert_taken_by_another_process(self, tag):
        child = self.child("""
import sys, shm4j
shm4j.Master(sys.argv[1], sys.argv[2]).close(); print("took it")
""", tag, self.dir)
        out, _ = child.communicate(timeout=30)
        self.assertEqual("took it", out.strip())

    def test_closed_master_refuses_to_publish(self):
        m = shm4j.Master("closed", self.dir)
        m.close()
        m.close()
        with self.assertRaisesRegex(shm4j.Shm4jError, "is closed"):
            m.publish(1)

    def test_directory_resolution(self):
        from shm4j import _files
        saved = os.environ.get("SHM4J_DIR")
        self.addCleanup(lambda: os.environ.__setitem__("SHM4J_DIR", saved) if saved is not None
                        else os.environ.pop("SHM4J_DIR", None))
        os.environ["SHM4J_DIR"] = "/x/y"
        self.assertEqual("/x/y", _files.directory())
        self.assertEqual("/given", _files.directory("/given"))
        os.environ["SHM4J_DIR"] = "  "
        self.assertEqual("/dev/shm/shm4j", _files.directory())
        del os.environ["SHM4J_DIR"]
        self.assertEqual("/dev/shm/shm4j", _files.directory())


if __name__ == "__main__":
    unittest.main()
