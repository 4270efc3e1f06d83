"""The library's log records on the CLI's stderr, as the Java CLI prints them (docs/CLI.md,
"Errors and exit codes"; Java's LibraryLogLinesTest): notices (INFO) only with --verbose, a
warning as one line ``shm4j: warning: ...``."""
import os
import subprocess
import sys
import unittest

from tests.support import PYTHON_DIR, RegionTestCase


class CliLogLinesTest(RegionTestCase):

    def test_an_unusable_follower_registry_is_a_notice_shown_only_with_verbose(self):
        self.assertEqual(0, self.run_cli("put", "t", '{"a":1}').returncode)
        registry = self.path("t~followers")
        with open(registry, "w") as f:
            f.write("garbage")
        for argv in (["get", "t"], ["watch", "t", "--count", "1"]):
            r = self.run_cli(*argv)
            self.assertEqual((0, ""), (r.returncode, r.stderr), argv)
        for argv in (["--verbose", "get", "t"], ["get", "t", "--verbose"]):
            r = self.run_cli(*argv)
            self.assertEqual((0, '{"a":1}\n'), (r.returncode, r.stdout))
            self.assertEqual(1, len(r.stderr.splitlines()), r.stderr)
            self.assertTrue(r.stderr.startswith("shm4j: info: cannot register in %s (%s is 7 bytes, not a shm4j "
                                                "follower registry" % (registry, registry)), r.stderr)

    def test_a_warning_is_one_line(self):
        served = os.path.join(self.dir, "served.json")
        with open(served, "w") as f:
            f.write("1")
        serve = subprocess.Popen([sys.executable, "-m", "shm4j", "--dir", self.dir, "serve", "t", "--file", served],
                                 cwd=PYTHON_DIR, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            self.assertTrue(serve.stdout.readline().startswith("serving "))
            os.truncate(self.path("t"), 100)  # another program's truncate: the next publish moves the region
            with open(served, "w") as f:
                f.write("2")
            self.assertEqual("shm4j: warning: region t (%s): the file shrank to 100 bytes under this process (its "
                             "header says 8320); moved the region to a new file holding version 2\n" % self.path("t"),
                             serve.stderr.readline())
            self.assertEqual("version 2\n", serve.stdout.readline())
        finally:
            serve.kill()
            serve.communicate(timeout=60)


if __name__ == "__main__":
    unittest.main()
