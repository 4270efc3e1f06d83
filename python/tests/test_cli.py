"""``python3 -m shm4j``: output formats and exit codes (python/README.md)."""
import json
import os
import unittest

import shm4j
from tests.support import RegionTestCase


class CliTest(RegionTestCase):

    def test_put_then_get_with_pointer_pretty_and_meta(self):
        put = self.run_cli("put", "cfg", '{"a": {"b": [1, 2, "é"], "e": []}, "f": 1e7}')
        self.assertEqual(0, put.returncode, put.stderr)
        self.assertEqual("published cfg version 1\n", put.stdout)
        # Jackson's compact and default pretty output, as the Java CLI prints them
        self.assertEqual('{"a":{"b":[1,2,"é"],"e":[]},"f":1.0E7}\n', self.run_cli("get", "cfg").stdout)
        self.assertEqual('"é"\n', self.run_cli("get", "cfg", "--pointer", "/a/b/2").stdout)
        self.assertEqual('{\n  "a" : {\n    "b" : [ 1, 2, "é" ],\n    "e" : [ ]\n  },\n  "f" : 1.0E7\n}\n',
                         self.run_cli("get", "cfg", "--pretty").stdout)
        meta = json.loads(self.run_cli("get", "cfg", "--meta").stdout)
        self.assertEqual(["tag", "version", "size", "contentType", "published", "ageMillis", "masterPid",
                          "masterAlive", "generation", "file"], list(meta))
        self.assertEqual(1, meta["version"])
        self.assertEqual(len('{"a":{"b":[1,2,"é"],"e":[]},"f":1.0E7}'.encode()), meta["size"])  # Jackson's bytes, as Java's put
        self.assertEqual("JSON", meta["contentType"])
        self.assertFalse(meta["masterAlive"])  # put's process has ended
        self.assertRegex(meta["published"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3}|\.\d{6}|\.\d{9})?Z$")

    def test_get_prints_as_jackson_and_refuses_what_the_java_cli_refuses(self):
        # CliDifferentialTest (shm4j-python) pins these against the Java CLI; here without Java.
        with shm4j.Master("p", self.dir) as m:
            m.publish_bytes(b'["\\u001f\\b", 5e-324, 1e-323]', shm4j.ContentType.JSON)
            self.assertEqual('["\\u001F\\b",4.9E-324,9.9E-324]\n', self.run_cli("get", "p").stdout)
            for payload, content_type in ((b"a\xffb", shm4j.ContentType.TEXT), (b"[NaN]", shm4j.ContentType.JSON),
                                          (b"[" * 501 + b"]" * 501, shm4j.ContentType.JSON),
                                          (b"1" * 1001, shm4j.ContentType.JSON)):
                with self.subTest(payload[:8]):
                    version = m.publish_bytes(payload, content_type)
                    r = self.run_cli("get", "p")
                    self.assertEqual(4, r.returncode, r.stderr)
                    self.assertRegex(r.stderr, r"^shm4j: region p version %d (is not valid UTF-8 text|is not valid JSON: "
                                               r"line 1, column 2: expected a value, found 'N'|exceeds the JSON limits)"
                                               % version)

    def test_put_from_file_and_stdin(self):
        path = os.path.join(self.dir, "in.json")
        with open(path, "w") as f:
            f.write("[1, 2]")
        self.assertEqual(0, self.run_cli("put", "p", "--file", path).returncode)
        self.assertEqual("[1,2]\n", self.run_cli("get", "p").stdout)
        self.assertEqual(0, self.run_cli("put", "p", "-", stdin='{"x": null}').returncode)
        self.assertEqual('{"x":null}\n', self.run_cli("get", "p").stdout)

    def test_watch_prints_one_json_line_per_version(self):
        for strategy in ("block", "spin", "backoff"):
            with self.subTest(strategy=strategy), shm4j.Master("w-" + strategy, self.dir) as m:
                m.publish({"k": 1})
                watch = self.python("-m", "shm4j", "--dir", self.dir, "watch", "w-" + strategy, "--count", "2",
                                    "--strategy", strategy)
                self.assertEqual({"tag": "w-" + strategy, "version": 1, "value": {"k": 1}}, json.loads(watch.stdout.readline()))
                m.publish([2])  # arrives while the watcher waits its way
                self.assertEqual('{"tag":"w-%s","version":2,"value":[2]}\n' % strategy, watch.stdout.readline())
                self.assertEqual(0, watch.wait(30))

    def test_watch_refuses_an_unknown_strategy(self):
        r = self.run_cli("watch", "w", "--strategy", "nap")
        self.assertEqual(2, r.returncode)

    def test_inspect_prints_header_and_slots(self):
        self.run_cli("put", "i", "7")
        out = self.run_cli("inspect", "i").stdout
        for line in ("format        version 1, header 128 bytes, slot capacity 4032 bytes, file 8320 bytes",
                     "committed     1 (slot 1)", "flags         -", "generation    1",
                     "slot 0        seq 0, version 0, length 0, RAW, published -, crc32 00000000 "):
            self.assertIn(line + "\n", out)
        self.assertRegex(out, r"slot 1        seq 2, version 1, length 1, JSON, published \S+Z, crc32 [0-9a-f]{8} \(ok\)\n")

    def test_exit_codes_and_one_line_errors(self):
        self.run_cli("put", "e", '{"a": 1}')
        cases = [
            (("get", "nope"), 3, "no region 'nope'"),
            (("get", "a/b"), 4, "invalid region tag"),
            (("get", "e", "--pointer", "/zz"), 3, "no value at /zz"),
            (("get", "e", "--pointer", "zz"), 2, "a JSON pointer starts with '/', e.g. --pointer /zz"),
            (("put", "e", "{bad"), 4, "is not valid JSON: line 1, column 2: expected a member name in double quotes, "
                                      "found 'b'; nothing was published"),
            (("put", "e", "--file", self.path("missing.json")), 3, "missing.json"),
            (("frobnicate",), 2, "unknown command 'frobnicate'; did you mean 'followers'?"),
            (("get", "e", "--meta", "--pointer", "/a"), 2, "--meta and --pointer cannot be combined"),
            (("put", "e", "{}", "--file", self.path("x.json")), 2, "--file and a JSON argument cannot be combined"),
            (("put", "e", "{}", "--mode", "0777"), 2, "--mode must be 0600, 0640 or 0660"),
        ]
        for args, code, message in cases:
            with self.subTest(args):
                r = self.run_cli(*args)
                self.assertEqual(code, r.returncode, r.stderr)
                self.assertIn(message, r.stderr)
                self.assertNotIn("Traceback", r.stderr)
        self.poke("e", 0, b"GARBAGE!")
        r = self.run_cli("get", "e")
        self.assertEqual(6, r.returncode)
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
        self.assertIn("has no version yet", r.stderr)
        self.assertEqual(0, json.loads(self.run_cli("get", "empty", "--meta").stdout)["version"])

    def test_text_and_raw_content_print_as_text_and_hex(self):
        with shm4j.Master("tr", self.dir) as m:
            m.publish_bytes("héllo".encode(), shm4j.ContentType.TEXT)
            self.assertEqual("héllo\n", self.run_cli("get", "tr").stdout)
            self.assertEqual(4, self.run_cli("get", "tr", "--pointer", "/a").returncode)
            m.publish_bytes(b"\x00\xab", shm4j.ContentType.RAW)
            self.assertEqual("00ab\n", self.run_cli("get", "tr").stdout)
            self.assertEqual('{"tag":"tr","version":2,"value":"00ab"}\n', self.run_cli("watch", "tr", "--count", "1").stdout)

    def test_times_print_as_javas_instant_for_any_64_bit_value(self):
        # Instant.ofEpochMilli / ofEpochSecond(0, ns).toString() on JDK 25; a damaged header or slot
        # field gives such years, which inspect and get --meta print rather than fail on.
        from shm4j.cli import _instant
        for ms, text in ((0, "1970-01-01T00:00:00Z"), (-1, "1969-12-31T23:59:59.999Z"),
                         (-30610224000000, "1000-01-01T00:00:00Z"), (-62167219200000, "0000-01-01T00:00:00Z"),
                         (-62167219200001, "-0001-12-31T23:59:59.999Z"),
                         (-377705116800001, "-10000-12-31T23:59:59.999Z"),
                         (253402300799999, "9999-12-31T23:59:59.999Z"), (253402300800000, "+10000-01-01T00:00:00Z"),
                         (-2**63, "-292275055-05-16T16:47:04.192Z"), (2**63 - 1, "+292278994-08-17T07:12:55.807Z")):
            self.assertEqual(text, _instant(ms * 1_000_000), ms)
        for ns, text in ((1500, "1970-01-01T00:00:00.000001500Z"), (-2**63, "1677-09-21T00:12:43.145224192Z"),
                         (2**63 - 1, "2262-04-11T23:47:16.854775807Z")):
            self.assertEqual(text, _instant(ns), ns)


if __name__ == "__main__":
    unittest.main()
