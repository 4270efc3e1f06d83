"""``python3 -m shm4j`` on damaged regions, the port of Java's DamagedRegionCommandsTest: for
seeded damages (tests.damage, as the library's fuzz test makes them) of a region holding two
versions, ``get``, ``get --meta`` and ``inspect`` exit 0, 3 or 6 and ``put`` 0 or 6, as
python/README.md documents; on failure stderr is exactly one ``shm4j: ...`` line naming the
region; never exit 1 (an internal error, i.e. a bug), never a traceback. ``get`` prints one of
the two published values or fails; ``put`` either publishes (``get`` then prints the new value)
or refuses and leaves the file as it was.

The commands run in this process through ``shm4j.cli.main(argv)`` (hundreds of interpreters
would take minutes), so each must also leave no region file open behind it, as a process that
exits would not. A longer run (from python/)::

    SHM4J_CLI_FUZZ_SEED=7 SHM4J_CLI_FUZZ_ITERATIONS=20000 python3 -m unittest tests.test_cli_damage
"""
import os
import random
import subprocess
import unittest

from shm4j import _regionfile, cli
from tests.cli_diff import run_in_process
from tests.damage import damage
from tests.support import RegionTestCase

SEED = int(os.environ.get("SHM4J_CLI_FUZZ_SEED", "0xC11F022"), 0)
ITERATIONS = int(os.environ.get("SHM4J_CLI_FUZZ_ITERATIONS", "300"))
TAG = "fuzz"
FIRST = '{"version":1}'
SECOND = '{"version":2,"color":"green"}'
THIRD = '{"version":3}'
READ_CODES = (cli.OK, cli.NOT_FOUND, cli.CORRUPT_REGION)
PUT_CODES = (cli.OK, cli.CORRUPT_REGION)


class DamagedRegionCommandsTest(RegionTestCase):

    def test_commands_on_damaged_regions_exit_with_a_documented_code_and_one_line(self):
        self.assertEqual(cli.OK, self.run_in_process("put", TAG, FIRST).returncode)
        self.assertEqual(cli.OK, self.run_in_process("put", TAG, SECOND).returncode)
        os.unlink(self.path(TAG) + "~sleepers")
        os.unlink(self.path(TAG) + "~followers")
        with open(self.path(TAG), "rb") as f:
            pristine = f.read()
        rnd = random.Random(SEED)
        reads_refused = puts_refused = 0
        for i in range(ITERATIONS):
            where = "seed %#x, iteration %d" % (SEED, i)
            damaged, content_type_hit = damage(pristine, rnd)
            with open(self.path(TAG), "wb") as f:
                f.write(damaged)

            get = self.checked(where + ", get", READ_CODES, "get", TAG)
            if get.returncode == cli.OK:
                published = {FIRST, SECOND}
                if content_type_hit:  # no check covers it (FORMAT.md 5.2): RAW prints as hex
                    published |= {FIRST.encode().hex(), SECOND.encode().hex()}
                self.assertIn(get.stdout.strip(), published, where)
            elif get.returncode == cli.CORRUPT_REGION:
                reads_refused += 1
            self.checked(where + ", get --meta", READ_CODES, "get", TAG, "--meta")
            self.checked(where + ", inspect", READ_CODES, "inspect", TAG)

            put = self.checked(where + ", put", PUT_CODES, "put", TAG, THIRD)
            if put.returncode == cli.OK:
                self.assertEqual(THIRD, self.run_in_process("get", TAG).stdout.strip(), where + ", get after put")
            else:
                with open(self.path(TAG), "rb") as f:
                    self.assertTrue(f.read() == damaged, where + ": a refused put leaves the file as it was")
                puts_refused += 1
        # The damage reached the refusals; else this tests less than it claims.
        self.assertGreater(reads_refused, 0, "gets refused as corrupt")
        self.assertGreater(puts_refused, 0, "puts refused as corrupt")

    def checked(self, where, allowed, *args):
        """Runs the command; asserts an allowed code and, on failure, one line naming the region."""
        r = self.run_in_process(*args)
        self.assertIn(r.returncode, allowed, "%s: exit code (stderr: %s)" % (where, r.stderr))
        if r.returncode == cli.OK:
            self.assertEqual("", r.stderr, where)
        else:
            lines = r.stderr.splitlines()
            self.assertEqual(1, len(lines), "%s: one line on stderr, got %r" % (where, r.stderr))
            self.assertTrue(lines[0].startswith("shm4j: "), "%s: %r" % (where, lines[0]))
            self.assertIn(TAG, lines[0], where)
        return r

    def run_in_process(self, *args):
        """``python3 -m shm4j --dir DIR args...`` in this process (tests.cli_diff.run_in_process).
        Asserts the command left no region file open in this process."""
        code, out, err = run_in_process(["--dir", self.dir, *args])
        self.assertEqual({}, _regionfile._OPEN, "%s left region files open" % (args,))
        return subprocess.CompletedProcess(args, code, out, err)


if __name__ == "__main__":
    unittest.main()
