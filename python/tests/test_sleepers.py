"""The sleepers file (docs/FORMAT.md 3.3, 5.6): its bytes, the kernel's atomic add, and a
waiting follower counting itself only while it waits."""
import os
import stat
import struct
import threading
import time
import unittest

import shm4j
from shm4j import _futex, _sleepers
from tests.support import RegionTestCase


class SleepersTest(RegionTestCase):

    def test_created_whole_with_magic_version_and_a_zero_count(self):
        with shm4j.Master("cfg", self.dir):
            pass
        with open(self.path("cfg~sleepers"), "rb") as f:
            data = f.read()
        self.assertEqual(64, len(data))
        self.assertEqual(b"SHM4JSLP", data[:8])
        self.assertEqual((1, 0, 0), struct.unpack_from("<III", data, 8))
        self.assertEqual(0o600, stat.S_IMODE(os.stat(self.path("cfg~sleepers")).st_mode))
        self.assertEqual(["cfg", "cfg~sleepers"], sorted(os.listdir(self.dir)))

    @unittest.skipUnless(_futex.AVAILABLE, "needs Linux futexes")
    def test_the_kernel_adds_and_subtracts_atomically_across_threads(self):
        with shm4j.Master("cfg", self.dir):
            pass
        sleepers = _sleepers.open_sleepers(self.path("cfg"))
        self.addCleanup(sleepers.close)

        def churn():
            for _ in range(2000):
                sleepers.register()
                sleepers.unregister()
            sleepers.register()

        threads = [threading.Thread(target=churn) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(4, sleepers.count())
        self.assertEqual(4, _sleepers.peek_count(self.path("cfg")))

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

    @unittest.skipUnless(_futex.AVAILABLE, "needs Linux futexes")
    def test_a_waiting_follower_counts_itself_only_while_it_waits(self):
        with shm4j.Master("cfg", self.dir) as m:
            m.publish({"n": 1})
            with shm4j.Follower("cfg", self.dir) as f:
                result = []
                waiter = threading.Thread(target=lambda: result.append(f.wait_newer(1, 30)))
                waiter.start()
                deadline = time.monotonic() + 30
                while _sleepers.peek_count(self.path("cfg")) != 1 and time.monotonic() < deadline:
                    time.sleep(0.001)
                self.assertEqual(1, _sleepers.peek_count(self.path("cfg")))
                m.publish({"n": 2})
                waiter.join(30)
                self.assertEqual([True], result)
                self.assertEqual(0, _sleepers.peek_count(self.path("cfg")))

    def test_with_an_unusable_sleepers_file_a_follower_polls_and_still_gets_the_version(self):
        with shm4j.Master("cfg", self.dir) as m:
            m.publish({"n": 1})
            with open(self.path("cfg~sleepers"), "wb") as f:
                f.write(bytes(3))
            with shm4j.Follower("cfg", self.dir) as f, self.assertLogs("shm4j", "WARNING"):
                result = []
                waiter = threading.Thread(target=lambda: result.append(f.wait_newer(1, 30)))
                waiter.start()
                time.sleep(0.05)
                m.publish({"n": 2})
                waiter.join(30)
                self.assertEqual([True], result)


if __name__ == "__main__":
    unittest.main()
