"""The Python CLI's region commands and the options issue 15 added (docs/CLI.md): ls, rm, dump,
serve, --version, help COMMAND, get --raw, watch --count, rm -f, --max-size, --mode, options
after the command, conflicting options, and where invalid JSON breaks."""
import json
import os
import queue
import shutil
import stat
import subprocess
import sys
import threading
import time
import unittest

from tests.support import PYTHON_DIR, RegionTestCase


class CliCommandsTest(RegionTestCase):

    def test_ls_shows_kind_version_and_last_publish_and_json(self):
        self.assertEqual("no regions in %s\n" % self.dir, self.run_cli("ls").stdout)
        self.run_cli("put", "cfg", '{"a":1}')
        self.run_cli("put", "cfg", '{"a":2}')
        with open(self.path("notes"), "wb") as f:
            f.write(b"hello world\n")
        with open(self.path("broken"), "wb") as f:
            f.write(b"SHM4JOBJ")
        listing = json.loads(self.run_cli("ls", "--json").stdout)
        self.assertEqual(["broken", "cfg", "notes"], [e["tag"] for e in listing])
        broken, cfg, notes = listing
        self.assertEqual({"tag": "broken", "size": 8, "kind": "object (damaged)", "version": None, "modified": None},
                         broken)
        self.assertEqual(("object", 2), (cfg["kind"], cfg["version"]))
        meta = json.loads(self.run_cli("get", "cfg", "--meta").stdout)
        self.assertEqual(meta["published"], cfg["modified"])  # the last publish, not the file's creation
        self.assertEqual(("raw", None), (notes["kind"], notes["version"]))
        table = self.run_cli("ls").stdout.splitlines()
        self.assertEqual(["TAG", "SIZE", "KIND", "VERSION", "MODIFIED"], table[0].split())
        self.assertRegex(table[2], r"^cfg +8320  object +2  \d{4}-\d\d-\d\d \d\d:\d\d:\d\d$")
        self.assertRegex(table[3], r"^notes +12  raw +-  \d{4}-")

    def test_a_raw_region_is_named_as_one_and_not_advised_for_removal(self):
        with open(self.path("notes"), "wb") as f:
            f.write(b"hello world\n")
        r = self.run_cli("get", "notes")
        self.assertEqual(6, r.returncode)
        self.assertIn("is not a shm4j object region (bad magic): a raw region, which `shm4j dump notes` prints", r.stderr)
        self.assertNotIn("rm", r.stderr)
        self.assertEqual("00000000: 6865 6c6c 6f20 776f 726c 640a            hello world.\n",
                         self.run_cli("dump", "notes").stdout)
        self.assertEqual("00000004: 6f20" + " " * 37 + "o \n", self.run_cli("dump", "notes", "--offset", "4", "--length", "2").stdout)
        self.assertEqual(4, self.run_cli("dump", "notes", "--offset", "13").returncode)
        self.assertEqual(3, self.run_cli("dump", "nothing").returncode)
        for region in ("notes", "nothing"):  # no region has a negative offset or length: a bad option value
            for option in ("--offset", "--length"):
                r = self.run_cli("dump", region, option, "-1")
                self.assertEqual((2, "shm4j: %s must be >= 0, got -1 (see 'python3 -m shm4j dump --help')\n" % option),
                                 (r.returncode, r.stderr))

    def test_rm_and_rm_force(self):
        self.run_cli("put", "a", "1")
        r = self.run_cli("rm", "a", "b")
        self.assertEqual((3, "removed a\n"), (r.returncode, r.stdout))
        self.assertEqual("shm4j: no region b in %s (the others were removed); see 'shm4j ls'\n" % self.dir, r.stderr)
        r = self.run_cli("rm", "b", "c")  # none removed: no others to speak of
        self.assertEqual((3, "", "shm4j: no region b, c in %s; see 'shm4j ls'\n" % self.dir),
                         (r.returncode, r.stdout, r.stderr))
        self.assertFalse(os.path.exists(self.path("a")))
        r = self.run_cli("rm", "-f", "b")
        self.assertEqual((0, ""), (r.returncode, r.stderr))
        self.assertEqual(4, self.run_cli("rm", "ok", "bad/tag").returncode)

    @unittest.skipIf(os.geteuid() == 0 and not shutil.which("setpriv"), "needs setpriv: root bound by file permissions")
    def test_serve_keeps_the_last_good_version_while_the_file_cannot_be_read_or_looked_up(self):
        inputs = os.path.join(self.dir, "inputs")
        os.mkdir(inputs)
        path = os.path.join(inputs, "conf.json")
        with open(path, "w") as f:
            f.write('{"v":1}')
        # As root, without the capabilities that bypass file permissions (as Java's FailuresSayWhyCommandsTest).
        bound = ["setpriv", "--bounding-set=-dac_override,-dac_read_search", "--"] if os.geteuid() == 0 else []
        serve = subprocess.Popen(bound + [sys.executable, "-m", "shm4j", "--dir", self.dir, "serve", "s", "--file", path],
                                 cwd=PYTHON_DIR, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        out, err = _lines(serve.stdout), _lines(serve.stderr)
        try:
            self.assertEqual("serving %s as s: version 1" % path, out.get(timeout=60))
            os.chmod(path, 0)
            time.sleep(0.05)
            os.utime(path)  # a change it may not read
            self.assertEqual("shm4j: %s: no read permission on it; version 1 stays published" % path,
                             err.get(timeout=60))
            os.chmod(path, 0o644)
            os.chmod(inputs, 0)  # nor look up: said once, not at every poll
            self.assertEqual("shm4j: %s: cannot watch it: no permission to look it up (its directory %s must be "
                             "searchable); version 1 stays published" % (path, inputs), err.get(timeout=60))
            os.chmod(inputs, 0o755)
            with open(path, "w") as f:
                f.write('{"v":2}')
            self.assertEqual("version 2", out.get(timeout=60))
            self.assertIsNone(serve.poll())
            self.assertTrue(err.empty(), "one line for the look-up that failed")
        finally:
            os.chmod(inputs, 0o755)
            serve.terminate()
            serve.wait(30)
            serve.stdout.close()
            serve.stderr.close()

    def test_version_help_and_prog_name(self):
        r = self.run_cli("--version")
        self.assertEqual(0, r.returncode)
        self.assertRegex(r.stdout, r"^shm4j \d+\.\d+\.\d+ \(Python 3\.\d+\.\d+\)\n$")
        self.assertIn("usage: python3 -m shm4j get", self.run_cli("help", "get").stdout)
        # Run as an installed script named shm4j-py, its help names it so.
        script = os.path.join(self.dir, "shm4j-py")
        with open(script, "w") as f:
            f.write("import sys\nsys.path.insert(0, %r)\nfrom shm4j.cli import main\nsys.exit(main())\n" % PYTHON_DIR)
        out = subprocess.run([sys.executable, script, "get", "--help"], capture_output=True, text=True, timeout=60)
        self.assertIn("usage: shm4j-py get", out.stdout)
        self.assertNotIn("docs/CLI.md", self.run_cli("--help").stdout)

    def test_options_after_the_command_raw_and_count(self):
        other = os.path.join(self.dir, "other")
        r = self.run_cli("put", "t", '{"s":"a\\"b","n":[1]}', "--dir", other)
        self.assertEqual(0, r.returncode, r.stderr)
        self.assertEqual('a"b\n', self.run_cli("get", "t", "--dir", other, "--pointer", "/s", "--raw").stdout)
        self.assertEqual('[1]\n', self.run_cli("--dir", other, "get", "t", "--pointer", "/n", "--raw").stdout)
        w = self.run_cli("watch", "t", "--dir", other, "--count", "1")
        self.assertEqual(('{"tag":"t","version":1,"value":{"s":"a\\"b","n":[1]}}\n', 0), (w.stdout, w.returncode))
        # no line wanted: a tag not created yet is not waited for
        w = self.run_cli("watch", "not-yet", "--dir", other, "--count", "0")
        self.assertEqual(("", 0), (w.stdout, w.returncode))

    @unittest.skipUnless(os.access("/usr/bin/script", os.X_OK), "no /usr/bin/script (util-linux) for a terminal")
    def test_put_from_a_terminal_says_what_it_waits_for(self):
        # script runs the command on a new pseudo-terminal; its own stdin (/dev/null) ends it with EOF.
        command = "env PYTHONPATH=%s %s -m shm4j --dir %s put t" % (PYTHON_DIR, sys.executable, self.dir)
        r = subprocess.run(["/usr/bin/script", "-qec", command, "/dev/null"], stdin=subprocess.DEVNULL,
                           capture_output=True, text=True, timeout=60)
        self.assertIn("shm4j: reading the JSON value for t from standard input; end it with Ctrl-D", r.stdout)
        self.assertNotIn("reading the JSON value", self.run_cli("put", "t", stdin="").stderr)

    def test_max_size_and_mode(self):
        r = self.run_cli("put", "big", '"%s"' % ("x" * 100), "--max-size", "50")
        self.assertEqual(4, r.returncode)
        self.assertIn("over the limit of 50 bytes; nothing was published (raise the limit with --max-size BYTES",
                      r.stderr)
        self.assertEqual(0, self.run_cli("put", "shared", "1", "--mode", "0640").returncode)
        self.assertEqual(0o640, stat.S_IMODE(os.stat(self.path("shared")).st_mode))

    def test_serve_republishes_and_keeps_the_last_good_version(self):
        path = os.path.join(self.dir, "conf.json")
        with open(path, "w") as f:
            f.write('{"v":1}')
        env = dict(os.environ, SHM4J_DIR=self.dir)
        serve = subprocess.Popen([sys.executable, "-m", "shm4j", "serve", "s", "--file", path], cwd=PYTHON_DIR,
                                 env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            self.assertEqual("serving %s as s: version 1\n" % path, serve.stdout.readline())
            time.sleep(0.05)
            with open(path, "w") as f:
                f.write('{"v":\n 2,}')
            self.assertEqual("shm4j: %s is not valid JSON: line 2, column 4: expected a member name in double quotes, "
                             "found '}'; version 1 stays published\n" % path, serve.stderr.readline())
            time.sleep(0.05)
            with open(path, "w") as f:
                f.write('{"v":2}')
            self.assertEqual("version 2\n", serve.stdout.readline())
            self.assertEqual('{"v":2}\n', self.run_cli("get", "s").stdout)
        finally:
            serve.terminate()
            serve.wait(30)
            serve.stdout.close()
            serve.stderr.close()


def _lines(stream):
    """A queue of the stream's lines (without the newline), read by a daemon thread."""
    lines = queue.Queue()

    def pump():
        for line in stream:
            lines.put(line.rstrip("\n"))
    threading.Thread(target=pump, daemon=True).start()
    return lines


if __name__ == "__main__":
    unittest.main()
