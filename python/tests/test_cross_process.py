"""Python master and followers as real processes: torn-read stress with self-checking objects,
and futex wake-up across processes."""
import json
import time
import unittest

import shm4j
from tests.support import RegionTestCase, expect_line

STRESS_VERSIONS = 200  # new versions each follower validates; the master publishes until all are done


class CrossProcessTest(RegionTestCase):

    def test_followers_under_full_speed_publishing_never_see_a_torn_object(self):
        master = self.python("-m", "tests.procs", "master", "stress", self.dir)
        expect_line(master, "ready")
        followers = [self.python("-m", "tests.procs", "follower", "stress", self.dir, STRESS_VERSIONS)
                     for _ in range(3)]
        for f in followers:
            expect_line(f, "ready")
        summaries = [json.loads(expect_line(f, "{")) for f in followers]
        master.stdin.close()  # every follower is done
        final = int(expect_line(master, "done").split()[1])
        print("stress:", summaries, "final version", final)
        for s in summaries:
            self.assertEqual(0, s["invalid"], s)
            self.assertTrue(s["done"], "saw %d new versions before the deadline: %s" % (STRESS_VERSIONS, s))
            self.assertLessEqual(s["last"], final)
        with shm4j.Follower("stress", self.dir) as f:
            self.assertEqual(final, f.version)
            self.assertGreater(f.header().slot_capacity, 300_000)  # grew while followers read

    def test_a_waiting_follower_process_is_woken_by_a_publish(self):
        with shm4j.Master("wake", self.dir) as m:
            m.publish({"v": 1})
            waiter = self.python("-m", "tests.procs", "wait", "wake", self.dir, 1, 600)
            self.assertEqual("waiting futex=True", expect_line(waiter, "waiting"))
            time.sleep(0.3)  # let it block in FUTEX_WAIT
            m.publish({"v": 2})
            woke = expect_line(waiter, "woke").split()
        self.assertEqual(["woke", "True", "2"], woke[:3])
        # a margin no load reaches: returning long before the 600 s timeout means it was woken
        self.assertLess(float(woke[3]), 300.0, "woken by the publish, not by its 600 s timeout")

    def test_a_waiting_follower_process_follows_growth(self):
        with shm4j.Master("wakegrow", self.dir) as m:
            m.publish("small")
            waiter = self.python("-m", "tests.procs", "wait", "wakegrow", self.dir, 1, 600)
            self.assertEqual("waiting futex=True", expect_line(waiter, "waiting"))
            time.sleep(0.3)
            m.publish("x" * 100_000)  # a new file replaces the tag; the old file's waiters wake
            woke = expect_line(waiter, "woke").split()
        self.assertEqual(["woke", "True", "2"], woke[:3])
        self.assertLess(float(woke[3]), 300.0, "woken by the growth, not by its 600 s timeout")

    def test_a_follower_process_waits_with_an_infinite_timeout(self):
        with shm4j.Master("forever", self.dir) as m:
            m.publish(1)
            waiter = self.python("-m", "tests.procs", "wait", "forever", self.dir, 1, "inf")
            self.assertEqual("waiting futex=True", expect_line(waiter, "waiting"))
            time.sleep(0.3)  # let it block in FUTEX_WAIT
            m.publish(2)
            woke = expect_line(waiter, "woke").split()
        self.assertEqual(["woke", "True", "2"], woke[:3])

    def test_wait_newer_times_out_without_a_publish(self):
        with shm4j.Master("quiet", self.dir) as m, shm4j.Follower("quiet", self.dir) as f:
            m.publish(1)
            self.assertFalse(f.wait_newer(1, 0.05))
            self.assertTrue(f.wait_newer(0, 0.05))


if __name__ == "__main__":
    unittest.main()
