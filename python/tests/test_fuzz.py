"""Fuzzes a region file at rest, as the Java RegionFileFuzzTest does: a valid file with two
committed versions (one per slot) is damaged at random, then a fresh follower reads it and a
fresh master takes it over.

Whatever the damage, a read returns one of the two versions exactly as published, nothing (when
``committed`` became 0), or a Shm4jError naming the region, within a second; never another
exception, never other bytes, never a hang. The one field a read may return changed is the
slot's content type, when the damage hit it: the CRC-32 covers the payload only (FORMAT.md
5.2), and another valid type is not detectable. A master either refuses the file with a
Shm4jError and leaves it as it was, or publishes a version that a follower then reads whole.

Seeded: a failure names the seed and the iteration, and re-running is exact. A longer run
(from python/)::

    SHM4J_FUZZ_SEED=7 SHM4J_FUZZ_ITERATIONS=30000 python3 -m unittest tests.test_fuzz
"""
import faulthandler
import os
import random
import unittest

import shm4j
from tests.damage import damage
from tests.support import RegionTestCase

SEED = int(os.environ.get("SHM4J_FUZZ_SEED", "0x5EED5A4D1E"), 0)
ITERATIONS = int(os.environ.get("SHM4J_FUZZ_ITERATIONS", "5000"))
HANG_SECONDS = 60  # a read or take-over still running after this is a hang: dump stacks, exit

TAG = "fuzz"
FIRST = b'{"version":1,"color":"blue"}'
SECOND = b'{"version":2,"color":"green","threads":[1,2,3]}'
THIRD = b'{"version":3}'

WHOLE, NOTHING, REFUSED_BY_FOLLOWER, REFUSED_BY_MASTER = range(4)


class RegionFileFuzzTest(RegionTestCase):

    def test_damaged_region_files_read_whole_or_fail_clearly_and_masters_never_lose_data(self):
        pristine = self.pristine_region()
        rnd = random.Random(SEED)
        outcomes = [0, 0, 0, 0]
        for i in range(ITERATIONS):
            where = "seed %#x, iteration %d" % (SEED, i)
            damaged, content_type_hit = damage(pristine, rnd)
            with open(self.path(TAG), "wb") as f:
                f.write(damaged)
            faulthandler.dump_traceback_later(HANG_SECONDS, exit=True)
            try:
                outcomes[self.read_and_check(where, content_type_hit)] += 1
                if not self.take_over_and_check(damaged, where):
                    outcomes[REFUSED_BY_MASTER] += 1
            finally:
                faulthandler.cancel_dump_traceback_later()
        # The damage reached every kind of outcome; else the fuzzer tests less than it claims.
        for outcome, name in enumerate(("whole reads", "nothing committed", "refused by the follower",
                                        "refused by the master")):
            self.assertGreater(outcomes[outcome], 0, "%s in %s" % (name, outcomes))

    def pristine_region(self):
        """Region TAG with FIRST in slot 1 and SECOND, committed, in slot 0; the file's bytes."""
        with shm4j.Master(TAG, self.dir) as m:
            m.publish_bytes(FIRST, shm4j.ContentType.JSON)
            m.publish_bytes(SECOND, shm4j.ContentType.JSON)
        os.unlink(self.path(TAG) + "~sleepers")
        os.unlink(self.path(TAG) + "~followers")
        with open(self.path(TAG), "rb") as f:
            return f.read()

    def read_and_check(self, where, content_type_hit):
        """WHOLE, NOTHING or REFUSED_BY_FOLLOWER, after checking what the read gave."""
        try:
            with shm4j.Follower(TAG, self.dir) as f:
                s = f.snapshot()
        except shm4j.Shm4jError as e:
            # refused at once: the file does not change, so running out of retries would mean a
            # damaged slot taken for a writer's (a duration check here would fail on a busy machine)
            self.assertNotIsInstance(e, shm4j.ConsistencyError, where)
            self.assertIn("region %s (" % TAG, str(e), where)
            return REFUSED_BY_FOLLOWER
        except Exception as e:
            raise AssertionError("%s: a damaged file must give a Shm4jError, not %r" % (where, e)) from e
        if s is None:
            return NOTHING
        if s.version == 1:
            self.assertEqual(FIRST, s.data, where)
        else:
            self.assertEqual(2, s.version, where)
            self.assertEqual(SECOND, s.data, where)
        if not content_type_hit:
            self.assertEqual(shm4j.ContentType.JSON, s.content_type, where)
        return WHOLE

    def take_over_and_check(self, damaged, where):
        """True if a master took the file over and published THIRD, which a follower then read;
        False if the master refused the file (then it must be unchanged)."""
        try:
            with shm4j.Master(TAG, self.dir) as m:
                published = m.publish_bytes(THIRD, shm4j.ContentType.JSON)
        except shm4j.Shm4jError as e:
            self.assertIn("region %s (" % TAG, str(e), where)
            with open(self.path(TAG), "rb") as f:
                self.assertTrue(f.read() == damaged, "a refused file is left as it was, " + where)
            return False
        except Exception as e:
            raise AssertionError("%s: a master on a damaged file must give a Shm4jError, not %r"
                                 % (where, e)) from e
        self.assertGreater(published, 0, "versions only go up, " + where)
        try:
            with shm4j.Follower(TAG, self.dir) as f:
                s = f.snapshot()
        except shm4j.Shm4jError as e:
            self.fail("%s: the master published version %d but a follower cannot read it: %s"
                      % (where, published, e))
        self.assertIsNotNone(s, where)
        self.assertEqual(published, s.version, where)
        self.assertEqual(THIRD, s.data, where)
        return True


if __name__ == "__main__":
    unittest.main()
