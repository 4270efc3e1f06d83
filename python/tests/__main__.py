"""``python3 -m tests`` (from python/): runs every test and ends with one summary line that CI
and the Maven build read; exits non-zero if any test failed."""
import sys
import unittest

suite = unittest.defaultTestLoader.discover("tests", top_level_dir=".")
result = unittest.TextTestRunner(verbosity=1).run(suite)
print("shm4j-python: %d Python tests, %d failures, %d errors, %d skipped: %s"
      % (result.testsRun, len(result.failures), len(result.errors), len(result.skipped),
         "OK" if result.wasSuccessful() else "FAILED"), file=sys.stderr, flush=True)
sys.exit(0 if result.wasSuccessful() else 1)
