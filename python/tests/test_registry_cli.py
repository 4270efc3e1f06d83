"""The follower registry through the library and the CLI: followers, put --await-seen (exit 9),
get --wait, watch of several tags waiting for creation, list_regions and delete."""
import json
import os
import subprocess
import sys
import time

import shm4j
from shm4j import cli
from tests.support import PYTHON_DIR, RegionTestCase


class RegistryCliTest(RegionTestCase):

    def test_followers_and_put_await_seen_name_those_that_did_not_read(self):
        self.assertEqual(0, self.run_cli("put", "cfg", "1").returncode)
        self.assertEqual("no registered followers\n", self.run_cli("followers", "cfg").stdout)
        with shm4j.Follower("cfg", self.dir, name="slow-reader") as f:
            f.get()
            table = self.run_cli("followers", "cfg").stdout
            self.assertIn("slow-reader", table)
            self.assertIn("python", table)
            listed = json.loads(self.run_cli("followers", "cfg", "--json").stdout)
            self.assertEqual([(os.getpid(), "slow-reader", 1, True)],
                             [(x["pid"], x["name"], x["versionSeen"], x["alive"]) for x in listed])
            self.assertIn("slow-reader", self.run_cli("inspect", "cfg").stdout)
            late = self.run_cli("put", "cfg", "2", "--await-seen", "300ms")
            self.assertEqual(cli.NOT_SEEN, late.returncode)
            self.assertIn("published cfg version 2", late.stdout)
            self.assertIn("pid %d (python slow-reader, at version 1" % os.getpid(), late.stderr)
        self.assertEqual(0, self.run_cli("put", "cfg", "3", "--await-seen", "10s").returncode)

    def test_a_damaged_registry_is_an_io_error_naming_it_not_an_internal_error(self):
        self.assertEqual(0, self.run_cli("put", "cfg", "1").returncode)
        registry = self.path("cfg~followers")
        for content in (b"", b"not a follower registry" * 10):
            with self.subTest(size=len(content)):
                with open(registry, "wb") as f:
                    f.write(content)
                with self.assertRaises(OSError):
                    shm4j.followers("cfg", self.dir)
                for command in ("followers", "inspect"):
                    r = self.run_cli(command, "cfg")
                    self.assertEqual(cli.IO_ERROR, r.returncode, r.stderr)
                    self.assertEqual(1, len(r.stderr.splitlines()), r.stderr)
                    self.assertIn("shm4j: %s " % registry, r.stderr)
                    self.assertIn("remove it (followers and masters recreate it)", r.stderr)

    def test_followers_and_inspect_list_a_registry_on_a_read_only_mount(self):
        self.assertEqual(0, self.run_cli("put", "cfg", "1").returncode)
        # A private mount namespace where the directory is mounted again, read-only (as Java's
        # FailuresSayWhyCommandsTest; needs CAP_SYS_ADMIN).
        read_only = ["unshare", "-m", "sh", "-c", 'mount -o bind,ro "$0" "$0" && exec "$@"', self.dir]
        if subprocess.run(read_only + ["true"], capture_output=True).returncode != 0:
            self.skipTest("no read-only bind mount here (unshare -m needs CAP_SYS_ADMIN)")

        def run(*argv):
            return subprocess.run(read_only + [sys.executable, "-m", "shm4j", "--dir", self.dir, *argv],
                                  cwd=PYTHON_DIR, capture_output=True, text=True, timeout=60)

        with shm4j.Follower("cfg", self.dir, name="reader") as f:
            f.get()
            for command in ("followers", "inspect"):
                r = run(command, "cfg")
                self.assertEqual((0, ""), (r.returncode, r.stderr))
                self.assertIn("reader", r.stdout)
        r = run("put", "cfg", "2")
        self.assertEqual(cli.IO_ERROR, r.returncode, r.stderr)
        self.assertTrue(r.stderr.startswith("shm4j: %s: cannot open region cfg for writing: %s is on a read-only file "
                                            "system" % (self.path("cfg"), self.dir)), r.stderr)

    def test_get_waits_for_creation_only_when_asked(self):
        self.assertEqual(cli.NOT_FOUND, self.run_cli("get", "soon").returncode)
        self.assertEqual(cli.NOT_FOUND, self.run_cli("get", "soon", "--wait", "200ms").returncode)
        self.assertEqual(cli.USAGE, self.run_cli("get", "soon", "--wait", "ten").returncode)
        get = self.python("-m", "shm4j", "--dir", self.dir, "get", "soon", "--wait", "60s")
        time.sleep(0.2)
        with shm4j.Master("soon", self.dir) as m:
            m.publish({"ok": True})
            self.assertEqual('{"ok":true}\n', get.stdout.readline())
        self.assertEqual(0, get.wait(30))

    def test_watch_follows_several_tags_and_waits_for_ones_not_created_yet(self):
        with shm4j.Master("a", self.dir) as a:
            a.publish(1)
            watch = self.python("-m", "shm4j", "--dir", self.dir, "watch", "a", "later", "--count", "3")
            self.assertEqual('{"tag":"a","version":1,"value":1}\n', watch.stdout.readline())
            with shm4j.Master("later", self.dir) as later:
                later.publish("x")
                self.assertEqual('{"tag":"later","version":1,"value":"x"}\n', watch.stdout.readline())
            a.publish(2)
            self.assertEqual('{"tag":"a","version":2,"value":2}\n', watch.stdout.readline())
            self.assertEqual(0, watch.wait(30))

    def test_list_regions_and_delete_refusing_while_the_master_runs(self):
        self.assertEqual([], shm4j.list_regions(self.dir))
        with open(self.path("raw"), "wb") as f:
            f.write(bytes(100))
        with shm4j.Master("cfg", self.dir) as m:
            m.publish(1)
            regions = shm4j.list_regions(self.dir)
            self.assertEqual([("cfg", "object", 1, True), ("raw", "raw", 0, False)],
                             [(r["tag"], r["kind"], r["version"], r["master_alive"]) for r in regions])
            with self.assertRaises(shm4j.MasterConflictError) as refused:
                shm4j.delete("cfg", self.dir)
            self.assertIn("refusing to delete region cfg", str(refused.exception))
        self.assertTrue(shm4j.delete("cfg", self.dir))
        self.assertFalse(shm4j.delete("cfg", self.dir))
        self.assertEqual(["raw"], os.listdir(self.dir))
        with shm4j.Master("forced", self.dir):
            self.assertTrue(shm4j.delete("forced", self.dir, force=True))
        self.assertFalse(os.path.exists(self.path("forced")))

    def test_a_follower_waits_for_its_region_and_await_seen_returns_once_all_read(self):
        with self.assertRaises(shm4j.RegionNotFoundError):
            shm4j.Follower("late", self.dir)
        follower = self.python("-m", "tests.registry_peer", self.dir, "late", "waiter", "block")
        time.sleep(0.2)
        with shm4j.Master("late", self.dir) as m:
            self.assertEqual("READY registered", follower.stdout.readline().strip())
            v = m.publish("here")
            self.assertEqual([], m.await_seen(v, 60))
            self.assertEqual("SEEN 1", follower.stdout.readline().strip())
            follower.kill()
            follower.wait(30)
            self.assertEqual([False], [f["alive"] for f in m.followers()])
            self.assertEqual([], m.followers())
