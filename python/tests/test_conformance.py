"""Conformance vectors: the checked-in region files written by Java (conformance/java) and by
Python (conformance/python) read to the byte here; a fresh Python write checks out too. The
Java side (ConformanceVectorsTest) checks the same files and fresh Python files."""
import os
import unittest

from tests import conformance
from tests.support import RegionTestCase


class ConformanceTest(RegionTestCase):

    def assert_conforms(self, directory):
        self.assertEqual([], conformance.check_all(directory))

    def test_files_written_by_java(self):
        self.assert_conforms(os.path.join(conformance.RESOURCES, "java"))

    def test_files_written_by_python(self):
        self.assert_conforms(os.path.join(conformance.RESOURCES, "python"))

    def test_a_fresh_python_write(self):
        conformance.write(self.dir)
        self.assert_conforms(self.dir)
        conformance.write(self.dir)  # replaces, never adds versions to existing files
        self.assert_conforms(self.dir)

    def test_a_changed_byte_is_found(self):
        conformance.write(self.dir)
        self.poke("text", conformance.slot_offset(conformance.MIN_SLOT_CAPACITY, 1) + 64, b"H")
        self.assertIn("slot 1 payload", "".join(conformance.check_all(self.dir)))


if __name__ == "__main__":
    unittest.main()
