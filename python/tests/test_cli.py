"""``python3 -m shm4j``: output formats and exit codes (python/README.md)."""
import json
import os
import unittest

import shm4j
from tests.support import RegionTestCase


class CliTest(RegionTestCase):

    def test_put_then_get_with_pointer_pretty_and_meta(self):
        put = self.run_cli("put", "cfg", '{"a": {"b": [1, 2, "é"]}}')
        self.assertEqual(0, put.returncode, put.stderr)
        self.assertEqual('{"a":{"b":[1,2,"é"]}}\n', self.run_cli("get", "cfg").stdout)
        self.assertEqual('"é"\n', self.run_cli("get", "cfg", "--pointer", "/a/b/2").stdout)
        self.assertEqual({"a": {"b": [1, 2, "é"]}}, json.loads(self.run_cli("get", "cfg", "--pretty").stdout))
        self.assertIn("\n  ", self.run_cli("get", "cfg", "--pretty").stdout)
        meta = json.loads(self.run_cli("get", "cfg", "--meta").stdout)
        self.assertEqual(1, meta["version"])
        self.assertEqual(len('{"a":{"b":[1,2,"é"]}}'.encode()), meta["size"])
        self.assertEqual("json", meta["contentType"])
        self.assertFalse(meta["masterAlive"])  # put's process has ended
        self.assertRegex(meta["publishTime"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")

    def test_put_from_file_and_stdin(self):
        path = os.path.join(self.dir, "in.json")
        with open(path, "w") as f:
            f.write("[1, 2]")
        self.assertEqual(0, self.run_cli("put", "p", "--file", path).returncode)
        self.assertEqual("[1,2]\n", self.run_cli("get", "p").stdout)
        self.assertEqual(0, self.run_cli("put", "p", "-", stdin='{"x": null}').returncode)
        self.assertEqual('{"x":null}\n', self.run_cli("get", "p").stdout)

    def test_watch_prints_one_json_line_per_version(self):
        with shm4j.Master("w", self.dir) as m:
            m.publish({"k": 1})
            watch = self.python("-m", "shm4j", "--dir", self.dir, "watch", "w", "--count", "2")
            self.assertEqual({"version": 1, "value": {"k": 1}}, json.loads(watch.stdout.readline()))
            m.publish([2])
            self.assertEqual('{"version":2,"value":[2]}\n', watch.stdout.readline())
        self.assertEqual(0, watch.wait(30))

    def test_inspect_prints_header_and_slots(self):
        self.run_cli("put", "i", "7")
        out = self.run_cli("inspect", "i").stdout
        for line in ("magic           SHM4JOBJ", "formatVersion   1", "slotCapacity    4032",
                     "committed       1", "slot            1", "  seq           2",
                     "  contentType   json", "  crcCheck      ok"):
            self.assertIn(line + "\n", out)

    def test_exit_codes_and_one_line_errors(self):
        self.run_cli("put", "e", '{"a": 1}')
        cases = [
            (("get", "nope"), 3, "no region 'nope'"),
            (("get", "a/b"), 2, "invalid region tag"),
            (("get", "e", "--pointer", "/zz"), 7, "no value at /zz"),
            (("put", "e", "{bad"), 6, "invalid JSON"),
            (("frobnicate",), 2, "invalid choice"),
        ]
        for args, code, message in cases:
            with self.subTest(args):
                r = self.run_cli(*args)
                self.assertEqual(code, r.returncode, r.stderr)
                self.assertIn(message, r.stderr)
                self.assertNotIn("Traceback", r.stderr)
        self.poke("e", 0, b"GARBAGE!")
        r = self.run_cli("get", "e")
        self.assertEqual(4, r.returncode)
        self.assertEqual(1, len(r.stderr.splitlines()), r.stderr)
        self.assertIn("Traceback", self.run_cli("get", "e", "--verbose").stderr)

    def test_put_while_a_master_runs_is_refused_naming_the_pid(self):
        with shm4j.Master("busy", self.dir):
            r = self.run_cli("put", "busy", "1")
        self.assertEqual(5, r.returncode)
        self.assertIn("pid %d" % os.getpid(), r.stderr)

    def test_empty_region(self):
        shm4j.Master("empty", self.dir).close()
        r = self.run_cli("get", "empty")
        self.assertEqual(3, r.returncode)
        self.assertIn("no published version yet", r.stderr)


if __name__ == "__main__":
    unittest.main()
