"""Tags whose file is not a regular file, and failures that must say why (docs/FORMAT.md section
1, docs/CLI.md): refused at once with the file named, never a blocked open or a write through a
link; the CLI exits 7 with one line."""
import os
import signal
import socket
import subprocess
import sys
import unittest

import shm4j
from shm4j import _files
from tests.support import PYTHON_DIR, RegionTestCase

# A refusal takes milliseconds; an open blocked on a FIFO never ends.
DEADLINE_SECONDS = 30

KINDS = {
    "fifo": "is a FIFO (named pipe), not a regular file",
    "socket": "is a socket, not a regular file",
    "directory": "is a directory, not a regular file",
    "link to a region outside": "is a symbolic link; shm4j never follows links",
    "link to a fifo": "is a symbolic link; shm4j never follows links",
    "dangling link": "is a symbolic link; shm4j never follows links",
}


class SpecialFilesTest(RegionTestCase):

    def setUp(self):
        super().setUp()
        self.outside = self.dir + "-outside"
        os.mkdir(self.outside)
        self.addCleanup(subprocess.run, ["rm", "-rf", self.outside])
        signal.signal(signal.SIGALRM, _hung)
        self.addCleanup(signal.alarm, 0)

    def make(self, kind, tag="odd"):
        """Makes the tag's file a ``kind``; returns the file a link points to, else None."""
        path = self.path(tag)
        if kind == "fifo":
            os.mkfifo(path)
        elif kind == "socket":
            with socket.socket(socket.AF_UNIX) as s:
                s.bind(path)
        elif kind == "directory":
            os.mkdir(path)
        elif kind == "link to a region outside":
            with shm4j.Master("victim", self.outside) as m:
                m.publish("outside")
            target = os.path.join(self.outside, "victim")
            os.symlink(target, path)
            return target
        elif kind == "link to a fifo":
            target = os.path.join(self.outside, "fifo")
            os.mkfifo(target)
            os.symlink(target, path)
            return target
        elif kind == "dangling link":
            os.symlink(os.path.join(self.outside, "nothing"), path)
        return None

    def test_masters_and_followers_refuse_what_is_not_a_regular_file_at_once(self):
        for kind, says in KINDS.items():
            with self.subTest(kind):
                target = self.make(kind)
                before = _read(target) if target and os.path.isfile(target) else None
                for name, way in (("Follower", lambda: shm4j.Follower("odd", self.dir).get()),
                                  ("Master", lambda: shm4j.Master("odd", self.dir).close())):
                    signal.alarm(DEADLINE_SECONDS)
                    with self.assertRaises(shm4j.RegionFileError, msg=name) as refused:
                        way()
                    signal.alarm(0)
                    self.assertIsInstance(refused.exception, OSError)
                    self.assertTrue(str(refused.exception).startswith(
                        "%s: region odd %s" % (self.path("odd"), says)), (name, str(refused.exception)))
                if before is not None:
                    self.assertEqual(before, _read(target), "the link's target, untouched")
                self.assertFalse(os.path.exists(os.path.join(self.outside, "nothing")))
                _remove(self.path("odd"))

    def test_the_cli_exits_7_with_one_line_naming_the_file(self):
        for kind, says in KINDS.items():
            with self.subTest(kind):
                self.make(kind)
                for argv in (["get", "odd"], ["get", "odd", "--meta"], ["inspect", "odd"],
                             ["put", "odd", "1"], ["watch", "odd", "--count", "1"]):
                    r = self.run_cli(*argv)
                    self.assertEqual(7, r.returncode, (argv, r.stderr))
                    self.assertEqual(1, len(r.stderr.splitlines()), r.stderr)
                    self.assertTrue(r.stderr.startswith("shm4j: %s: region odd %s" % (self.path("odd"), says)),
                                    (argv, r.stderr))
                _remove(self.path("odd"))

    def test_rm_and_delete_remove_a_link_not_its_target_and_refuse_a_directory(self):
        for kind in KINDS:
            with self.subTest(kind):
                target = self.make(kind)
                before = _read(target) if target and os.path.isfile(target) else None
                if kind == "directory":
                    r = self.run_cli("rm", "odd")
                    self.assertEqual(7, r.returncode, r.stderr)
                    says = ("%s: region odd is a directory, not a region file; shm4j removes only files (a link "
                            "itself, never its target): remove it yourself" % self.path("odd"))
                    self.assertEqual("shm4j: %s\n" % says, r.stderr)
                    with self.assertRaises(shm4j.RegionFileError) as refused:
                        shm4j.delete("odd", self.dir)
                    self.assertEqual(says, str(refused.exception))
                    _remove(self.path("odd"))
                elif "link" in kind:
                    self.assertTrue(shm4j.delete("odd", self.dir))
                    self.assertFalse(os.path.lexists(self.path("odd")))
                else:
                    _remove(self.path("odd"))
                if before is not None:
                    self.assertEqual(before, _read(target), "the link's target, untouched")

    def test_a_fifo_as_the_sleepers_file_does_not_block_inspect(self):
        with shm4j.Master("t", self.dir) as m:
            m.publish(1)
        os.unlink(self.path("t~sleepers"))
        os.mkfifo(self.path("t~sleepers"))
        signal.alarm(DEADLINE_SECONDS)
        r = self.run_cli("inspect", "t")
        signal.alarm(0)
        self.assertEqual(0, r.returncode, r.stderr)
        self.assertIn("old sleepers  unknown", r.stdout)


class FailuresSayWhyTest(RegionTestCase):
    """Files and directories the process may not use: every message names what failed, why and
    what to do; the CLI exits 7 (docs/CLI.md)."""

    def test_a_region_directory_that_is_a_regular_file(self):
        regular = self.path("plain")
        with open(regular, "w"):
            pass
        for argv in (["put", "t", "1"], ["get", "t"], ["rm", "t"], ["ls"]):
            r = self.run_cli("--dir", regular, *argv)
            self.assertEqual(7, r.returncode, r.stderr)
            self.assertIn("is not a directory", r.stderr)
            self.assertIn("point SHM4J_DIR (or --dir", r.stderr)
        with self.assertRaisesRegex(shm4j.RegionFileError, "exists and is not a directory"):
            shm4j.Master("t", os.path.join(regular, "sub"))
        with self.assertRaisesRegex(shm4j.RegionFileError, "the region directory is not a directory; point SHM4J_DIR"):
            shm4j.delete("t", regular)

    def test_nested_directories_are_created_0700_like_javas(self):
        nested = os.path.join(self.dir, "a", "b", "c")
        old = os.umask(0o022)
        try:
            with shm4j.Master("t", nested):
                pass
        finally:
            os.umask(old)
        for d in (os.path.join(self.dir, "a"), os.path.join(self.dir, "a", "b"), nested):
            self.assertEqual(0o700, os.stat(d).st_mode & 0o777, d)
        group = os.path.join(self.dir, "g", "h")
        with shm4j.Master("t", group, file_mode=_files.GROUP_WRITE):
            pass
        for d in (os.path.join(self.dir, "g"), group):
            self.assertEqual(0o770, os.stat(d).st_mode & 0o777, d)

    @unittest.skipUnless(os.geteuid() == 0, "needs root to run the CLI as the user nobody")
    def test_permission_failures_as_another_user_exit_7_saying_why(self):
        os.chmod(self.dir, 0o755)  # others may enter and read, not write
        with shm4j.Master("mine", self.dir) as m:
            m.publish(1)
        os.chmod(self.path("mine"), 0o600)
        secret_input = self.dir + "-input.json"
        with open(secret_input, "w") as f:
            f.write("{}")
        os.chmod(secret_input, 0)
        self.addCleanup(os.unlink, secret_input)
        cases = [(["put", "mine", "--file", secret_input], "%s: no read permission on it; nothing was published"
                  % secret_input),(["put", "new", "1"], "cannot create it: no write permission on the directory %s" % self.dir),
                 (["put", "mine", "1"], "no write permission on region mine"),
                 (["get", "mine"], "no read permission on region mine"),
                 (["inspect", "mine"], "no read permission on region mine"),
                 (["rm", "mine"], "%s: cannot remove region mine: no write permission on the directory %s; run as "
                                  "a user who may write it" % (self.path("mine"), self.dir)),
                 (["--dir", os.path.join(self.dir, "sub", "dir"), "put", "t", "1"],
                  "no permission to create %s" % os.path.join(self.dir, "sub"))]
        for argv, says in cases:
            with self.subTest(argv):
                r = _as_nobody("-m", "shm4j", "--dir", self.dir, *argv)
                self.assertEqual(7, r.returncode, r.stderr)
                self.assertEqual(1, len(r.stderr.splitlines()), r.stderr)
                self.assertIn(says, r.stderr)
                self.assertNotIn("internal error", r.stderr)
        self.assertEqual(["mine", "mine~followers", "mine~sleepers"], sorted(os.listdir(self.dir)), "nothing was created")

    @unittest.skipUnless(os.geteuid() == 0, "needs root to run as the user nobody")
    def test_a_user_who_may_only_read_lists_followers_and_deletes_a_region_without_a_master(self):
        os.chmod(self.dir, 0o777)  # others may remove files here, but not write the region's
        self.assertEqual(0, self.run_cli("put", "shared", "1").returncode)  # a master that is gone
        with shm4j.Follower("shared", self.dir, name="reader") as f:
            f.get()
            for name in os.listdir(self.dir):
                os.chmod(self.path(name), 0o644)
            listed = _as_nobody("-m", "shm4j", "--dir", self.dir, "followers", "shared")
            self.assertEqual((0, ""), (listed.returncode, listed.stderr))
            self.assertIn("reader", listed.stdout)
        deleted = _as_nobody("-c", "import shm4j, sys; print(shm4j.delete('shared', sys.argv[1]))", self.dir)
        self.assertEqual(("True\n", ""), (deleted.stdout, deleted.stderr))
        self.assertEqual([], os.listdir(self.dir))


def _as_nobody(*argv):
    """Runs ``python3 argv...`` as the user nobody, with no group of ours."""
    return subprocess.run(["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", sys.executable, *argv],
                          cwd=PYTHON_DIR, capture_output=True, text=True, timeout=60,
                          env=dict(os.environ, PYTHONPATH=PYTHON_DIR))


def _hung(signum, frame):
    raise AssertionError("blocked for %d s: an open waited on a special file" % DEADLINE_SECONDS)


def _read(path):
    with open(path, "rb") as f:
        return f.read()


def _remove(path):
    if os.path.isdir(path) and not os.path.islink(path):
        os.rmdir(path)
    else:
        os.unlink(path)


if __name__ == "__main__":
    unittest.main()
