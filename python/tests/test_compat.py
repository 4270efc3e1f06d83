"""ObjectMmap, the seed's class, over Master/Follower."""
import mmap
import unittest

import shm4j
from tests.support import RegionTestCase


class ObjectMmapTest(RegionTestCase):

    def test_seed_example_master_and_follower(self):
        reader = shm4j.ObjectMmap(-1, 1024 * 1024, access=mmap.ACCESS_READ, tagname="share_mmap",
                                  directory=self.dir)
        self.assertIsNone(reader.jsonread_follower())  # no master yet
        writer = shm4j.ObjectMmap(-1, 1024 * 1024, access=mmap.ACCESS_WRITE, tagname="share_mmap",
                                  directory=self.dir)
        for length in (1, 50, 100):
            self.assertTrue(writer.jsonwrite(list(range(length))))
            self.assertEqual(list(range(length)), writer.jsonread_master())
            self.assertEqual(list(range(length)), reader.jsonread_follower())
        with self.assertRaises(PermissionError):
            reader.jsonwrite([1])
        with self.assertRaises(shm4j.InvalidObjectError):
            writer.jsonwrite({1, 2})
        writer.close()
        reader.close()


if __name__ == "__main__":
    unittest.main()
