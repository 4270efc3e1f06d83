"""The follower registry (docs/FORMAT.md 3.3) and the legacy sleepers file (3.5) in one
process: bytes, the kernel's atomic bit operations, a waiting follower's asleep bit, dead and
reused-pid entries reclaimed, old followers beside new masters."""
import os
import stat
import struct
import threading
import time
import unittest

import shm4j
from shm4j import _futex, _registry, _sleepers
from tests.support import RegionTestCase


class SleepersTest(RegionTestCase):

    def test_created_whole_with_magic_version_and_a_zero_count(self):
        with shm4j.Master("cfg", self.dir):
            pass
        with open(self.path("cfg~sleepers"), "rb") as f:
            data = f.read()
        self.assertEqual(64, len(data))
        self.assertEqual(b"SHM4JSLP", data[:8])
        self.assertEqual((2, 0, 0), struct.unpack_from("<III", data, 8))
        self.assertEqual(0o600, stat.S_IMODE(os.stat(self.path("cfg~sleepers")).st_mode))
        with open(self.path("cfg~followers"), "rb") as f:
            data = f.read()
        self.assertEqual(_registry.FILE_LENGTH, len(data))
        self.assertEqual((b"SHM4JFLW", 1, 128, 256), struct.unpack_from("<8sIII", data, 0))
        self.assertEqual(bytes(len(data) - 20), data[20:])
        self.assertEqual(["cfg", "cfg~followers", "cfg~sleepers"], sorted(os.listdir(self.dir)))

    def test_a_new_master_marks_an_old_sleepers_file_in_place(self):
        with open(self.path("cfg~sleepers"), "wb") as f:
            f.write(b"SHM4JSLP" + struct.pack("<I", 1) + bytes(52))
        old = _sleepers.open_sleepers(self.path("cfg"))
        self.addCleanup(old.close)
        self.assertTrue(old.old_master_may_publish())
        with shm4j.Master("cfg", self.dir):
            self.assertFalse(old.old_master_may_publish(), "the same file, marked version 2")

    @unittest.skipUnless(_futex.AVAILABLE, "needs Linux futexes")
    def test_the_kernel_sets_and_clears_bits_atomically_across_threads(self):
        with shm4j.Master("cfg", self.dir) as m:
            m.publish(1)
            followers = [shm4j.Follower("cfg", self.dir, name="t%d" % i) for i in range(8)]
            for f in followers:
                self.addCleanup(f.close)

            def churn(entry):
                for _ in range(500):
                    entry.asleep()
                    entry.awake()
                entry.asleep()

            threads = [threading.Thread(target=churn, args=(f._entry,)) for f in followers]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            registry = _registry.open_to_list(self.path("cfg"))
            self.addCleanup(registry.close)
            self.assertEqual(0xFF, struct.unpack_from("<I", registry._map, _registry.BITMAP_OFFSET)[0])
            self.assertEqual(["asleep"] * 8, [f["waiting"] for f in m.followers()])

    @unittest.skipUnless(_futex.AVAILABLE, "needs Linux futexes")
    def test_a_waiting_follower_is_asleep_only_while_it_waits(self):
        with shm4j.Master("cfg", self.dir) as m:
            m.publish({"n": 1})
            with shm4j.Follower("cfg", self.dir, name="waiter") as f:
                result = []
                waiter = threading.Thread(target=lambda: result.append(f.wait_newer(1, 30)))
                waiter.start()
                deadline = time.monotonic() + 30
                while m.followers()[0]["waiting"] != "asleep" and time.monotonic() < deadline:
                    time.sleep(0.001)
                self.assertEqual("asleep", m.followers()[0]["waiting"])
                m.publish({"n": 2})
                waiter.join(30)
                self.assertEqual([True], result)
                self.assertEqual("no", m.followers()[0]["waiting"])
                f.get()
                self.assertEqual(2, m.followers()[0]["version_seen"])
            self.assertEqual([], m.followers())

    def test_entries_of_dead_or_reused_pids_are_reclaimed_once_listed(self):
        with shm4j.Master("cfg", self.dir) as m:
            m.publish(1)
            with shm4j.Follower("cfg", self.dir, name="reused") as reused, \
                    shm4j.Follower("cfg", self.dir, name="gone") as gone:
                q = reused._entry._q
                # The same pid with another start time: a process that reused the pid.
                q[(reused._entry._offset + _registry.START) >> 3] = 12345
                # A pid no process has.
                q[gone._entry._offset >> 3] = 2**31 - 2
                listed = m.followers()
                self.assertEqual({"reused": False, "gone": False}, {f["name"]: f["alive"] for f in listed})
                self.assertEqual([], m.followers())
                reused._entry.closed = gone._entry.closed = True  # their entries are gone

    def test_a_master_lists_its_followers_after_the_registry_file_was_removed(self):
        # Its users' advice for a bad registry is to remove it: a master that maps the removed
        # file still lists it, dead entries included, and never fails for want of its lock.
        with shm4j.Master("cfg", self.dir) as m:
            m.publish(1)
            with shm4j.Follower("cfg", self.dir, name="gone") as gone:
                gone._entry._q[gone._entry._offset >> 3] = 2**31 - 2  # a pid no process has
                os.unlink(self.path("cfg~followers"))
                self.assertEqual([("gone", False)], [(f["name"], f["alive"]) for f in m.followers()])
                self.assertEqual([], m.await_seen(1, 0.0))
                gone._entry.closed = True  # its entry is not its own any more

    def test_a_file_of_another_size_or_magic_is_not_used(self):
        with shm4j.Master("cfg", self.dir):
            pass
        with open(self.path("cfg~sleepers"), "wb") as f:
            f.write(bytes(10))
        with self.assertLogs("shm4j", "WARNING") as logs:
            self.assertIsNone(_sleepers.open_sleepers(self.path("cfg")))
        self.assertIn("cfg~sleepers is 10 bytes", logs.output[0])
        with open(self.path("cfg~sleepers"), "wb") as f:
            f.write(bytes(64))
        with self.assertLogs("shm4j", "WARNING") as logs:
            self.assertIsNone(_sleepers.open_sleepers(self.path("cfg")))
        self.assertIn("not a shm4j sleepers file", logs.output[0])
        self.assertIsNone(_sleepers.peek_count(self.path("cfg")))


if __name__ == "__main__":
    unittest.main()
