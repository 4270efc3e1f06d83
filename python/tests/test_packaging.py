"""``pip install ./python`` in a fresh venv with nothing to download (README): the package's own
standard-library build backend (_build/shm4j_build.py) builds the wheel; the installed
``shm4j-py`` runs under its own name."""
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

from tests.support import PYTHON_DIR


class PackagingTest(unittest.TestCase):

    def test_pip_installs_offline_into_a_fresh_venv(self):
        work = tempfile.mkdtemp(prefix="shm4j-venv-")
        self.addCleanup(shutil.rmtree, work, True)
        venv = os.path.join(work, "venv")
        made = subprocess.run([sys.executable, "-m", "venv", venv], capture_output=True, text=True, timeout=300)
        if made.returncode != 0:
            self.skipTest("no venv with pip for %s (Debian: apt-get install python3-venv): %s"
                          % (sys.executable, made.stderr.strip().splitlines()[-1:]))
        env = {"PATH": os.path.join(venv, "bin") + ":/usr/bin:/bin", "SHM4J_DIR": os.path.join(work, "regions")}
        pip = subprocess.run([os.path.join(venv, "bin", "pip"), "install", "--no-index", "--no-cache-dir", PYTHON_DIR],
                             capture_output=True, text=True, env=env, timeout=300)
        self.assertEqual(0, pip.returncode, pip.stdout + pip.stderr)
        self.assertFalse(os.path.exists(os.path.join(PYTHON_DIR, "build")), "the build leaves nothing in the source")
        cli = os.path.join(venv, "bin", "shm4j-py")
        version = subprocess.run([cli, "--version"], capture_output=True, text=True, env=env, cwd=work, timeout=60)
        self.assertRegex(version.stdout, r"^shm4j \d+\.\d+\.\d+ \(Python ")
        put = subprocess.run([cli, "put", "cfg", '{"k":"二"}'], capture_output=True, text=True, env=env, cwd=work,
                             timeout=60)
        self.assertEqual(0, put.returncode, put.stderr)
        get = subprocess.run([cli, "get", "cfg"], capture_output=True, text=True, env=env, cwd=work, timeout=60)
        self.assertEqual('{"k":"二"}\n', get.stdout)
        self.assertIn("usage: shm4j-py get", subprocess.run([cli, "help", "get"], capture_output=True, text=True,
                                                            env=env, cwd=work, timeout=60).stdout)


if __name__ == "__main__":
    unittest.main()
