"""A region file truncated under a live Python master and follower (docs/FORMAT.md 5.4): they
check the file's size before touching a slot, so neither dies of SIGBUS; the master moves the
region to a new file and the follower follows it. Each process acts only when told, so the
file shrinks between two operations (a file shrunk during one still faults: the documented
window)."""
import os
import struct
import subprocess
import sys
import unittest

import shm4j
from shm4j._format import COMMITTED_OFFSET
from tests.support import PYTHON_DIR, RegionTestCase, expect_line


class ShrinkTest(RegionTestCase):

    def obey(self, tag, role):
        p = self.python("-m", "tests.procs", "obey", tag, self.dir, role)
        expect_line(p, "ready")
        return p

    def ask(self, proc, command):
        proc.stdin.write(command + "\n")
        proc.stdin.flush()
        line = proc.stdout.readline().strip()
        if not line:
            self.fail("%s: the process ended (exit %s; -7 is SIGBUS)" % (command, proc.wait(30)))
        return line

    def truncate(self, tag, size):
        os.truncate(self.path(tag), size)

    def key(self, tag):
        st = os.stat(self.path(tag))
        return st.st_dev, st.st_ino

    def test_the_master_moves_a_shrunk_region_and_the_follower_follows(self):
        for size in (100, 5000):  # the header page stays mapped: see the module notes for 0
            with self.subTest(size=size):
                tag = "shrink%d" % size
                master = self.obey(tag, "master")
                for v in (1, 2, 3):
                    self.assertEqual("ok %d" % v, self.ask(master, "publish"))
                follower = self.obey(tag, "follower")
                self.assertEqual("ok 3", self.ask(follower, "get"))
                before = self.key(tag)
                self.truncate(tag, size)
                self.assertEqual("ok 4", self.ask(master, "publish"))
                self.assertNotEqual(before, self.key(tag), "a new file holds the region")
                self.assertEqual("ok 4", self.ask(follower, "get"))
                self.assertEqual("ok 5", self.ask(master, "publish"))
                self.assertEqual("ok 5", self.ask(follower, "get"))

    def test_a_master_moves_a_region_truncated_to_nothing(self):
        master = self.obey("empty", "master")
        for v in (1, 2):
            self.assertEqual("ok %d" % v, self.ask(master, "publish"))
        self.truncate("empty", 0)
        self.assertEqual("ok 3", self.ask(master, "publish"))
        with shm4j.Follower("empty", self.dir) as f:
            self.assertEqual(3, f.get()["n"])
            self.assertEqual(os.path.getsize(self.path("empty")), f.header().file_length)

    def test_without_a_master_a_follower_raises_region_shrunk_error(self):
        with shm4j.Master("gone", self.dir) as m:
            m.publish({"n": 1, "len": 0, "fill": ""})
        follower = self.obey("gone", "follower")
        self.assertEqual("ok 1", self.ask(follower, "get"))
        self.truncate("gone", 100)
        self.assertEqual("ok 1", self.ask(follower, "get"))  # no new version: the cached object
        line = self.ask(follower, "fresh")  # a new Follower in that process must read the slot
        self.assertTrue(line.startswith("error RegionShrunkError region gone (%s): the file shrank to 100 "
                                        "bytes under this process" % self.path("gone")), line)

    def test_the_region_truncated_under_cli_watch_ends_it_as_a_corrupt_region(self):
        with shm4j.Master("watched", self.dir) as m:
            m.publish("first")
        watch = subprocess.Popen([sys.executable, "-m", "shm4j", "--dir", self.dir, "watch", "watched", "--strategy",
                                  "backoff"], cwd=PYTHON_DIR, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.addCleanup(watch.kill)
        self.assertTrue(watch.stdout.readline().startswith('{"tag":"watched","version":1,'))
        self.truncate("watched", 100)  # the header stays; the slots are gone
        self.poke("watched", COMMITTED_OFFSET, struct.pack("<Q", 2))  # its slot is past the file's end
        out, err = watch.communicate(timeout=60)
        self.assertEqual(6, watch.returncode, err)
        self.assertEqual(("", 1), (out, len(err.splitlines())), err)
        self.assertTrue(err.startswith("shm4j: region watched (%s): the file shrank to 100 bytes under this process"
                                       % self.path("watched")), err)

    def test_a_master_taking_a_shrunk_file_this_process_maps_refuses_it_as_truncated(self):
        # The file stays mapped by a follower of the process (opened while a master of the
        # process held it, or after); it shrinks; a new master of that process must check the
        # file as one new to the process, not touch the lost pages.
        for opened in ("while", "after"):
            with self.subTest(follower_opened=opened):
                child = self.child(
                    "import os, sys, shm4j\n"
                    "tag, directory, opened = sys.argv[1:]\n"
                    "with shm4j.Master(tag, directory) as m:\n"
                    "    m.publish(1)\n"
                    "    if opened == 'while':\n"
                    "        f = shm4j.Follower(tag, directory)\n"
                    "if opened == 'after':\n"
                    "    f = shm4j.Follower(tag, directory)\n"
                    "os.truncate(os.path.join(directory, tag), 4096)\n"  # slot 1, version 1, is past the end
                    "try:\n"
                    "    shm4j.Master(tag, directory)\n"
                    "    print('taken')\n"
                    "except shm4j.CorruptRegionError as e:\n"
                    "    print('refused', e)\n", opened, self.dir, opened)
                line = child.stdout.readline().strip()
                self.assertEqual(0, child.wait(60), "exit -7 is SIGBUS")
                self.assertTrue(line.startswith("refused region %s (%s) is truncated: 4096 bytes, the header says "
                                                "8320" % (opened, self.path(opened))), line)
                self.assertEqual(4096, os.path.getsize(self.path(opened)), "nothing written")

    def test_listing_followers_of_a_shrunk_file_this_process_maps_refuses_it_as_truncated(self):
        with shm4j.Master("listed", self.dir) as m:
            m.publish(1)
        child = self.child(
            "import os, sys, shm4j\n"
            "tag, directory = sys.argv[1:]\n"
            "f = shm4j.Follower(tag, directory, name='me')\n"
            "os.truncate(os.path.join(directory, tag), 4096)  # slot 1, version 1, is past the end\n"
            "try:\n"
            "    print('listed', shm4j.followers(tag, directory))\n"
            "except shm4j.CorruptRegionError as e:\n"
            "    print('refused', e)\n", "listed", self.dir)
        line = child.stdout.readline().strip()
        self.assertEqual(0, child.wait(60), "exit -7 is SIGBUS")
        self.assertTrue(line.startswith("refused region listed (%s) is truncated: 4096 bytes, the header says 8320"
                                        % self.path("listed")), line)

    def test_a_shrunk_registry_or_sleepers_file_costs_neither_process_its_work(self):
        # FORMAT.md 3.3, 3.5: checked before each use, so no SIGBUS (exit -7); the region is untouched.
        for helper in ("~followers", "~sleepers"):
            with self.subTest(helper=helper):
                tag = "helper" + helper[1:]
                master = self.obey(tag, "master")
                self.assertEqual("ok 1", self.ask(master, "publish"))
                follower = self.obey(tag, "follower")
                self.assertEqual("ok 1", self.ask(follower, "get"))
                self.await_next(master, follower, 2)  # a kernel wait: both files are mapped now
                region = self.key(tag)
                os.truncate(self.path(tag) + helper, 0)
                self.assertEqual("ok 3", self.ask(master, "publish"))
                self.assertEqual("ok 3", self.ask(follower, "get"))
                self.await_next(master, follower, 4)
                line = self.ask(master, "followers")
                if helper == "~followers":
                    self.assertTrue(line.startswith("error RegionShrunkError the follower registry %s shrank to 0 "
                                                    "bytes under this process" % (self.path(tag) + helper)), line)
                else:
                    self.assertEqual("ok 1", line)
                self.assertEqual(region, self.key(tag), "the region stays in its file")
                for p in (follower, master):
                    p.stdin.close()
                    self.assertEqual(0, p.wait(60), "closed without SIGBUS (-7)")

    def await_next(self, master, follower, version):
        """The follower waits (wait_newer), the master publishes ``version``, the follower gets it."""
        follower.stdin.write("wait\n")
        follower.stdin.flush()
        self.assertEqual("ok %d" % version, self.ask(master, "publish"))
        self.assertEqual("ok %d" % version, follower.stdout.readline().strip())

if __name__ == "__main__":
    unittest.main()
