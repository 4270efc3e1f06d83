"""Helpers for the tests: a private region directory, raw access to region bytes, and real
child processes running Python snippets."""
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

PYTHON_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class RegionTestCase(unittest.TestCase):
    """Gives each test its own region directory under /dev/shm, removed afterwards."""

    def setUp(self):
        base = "/dev/shm" if os.path.isdir("/dev/shm") else None
        self.dir = tempfile.mkdtemp(prefix="shm4j-py-test-", dir=base)
        self.addCleanup(shutil.rmtree, self.dir, True)

    def path(self, tag):
        return os.path.join(self.dir, tag)

    def poke(self, tag, offset, data):
        """Writes bytes into a region file as damage or a crashed writer would."""
        fd = os.open(self.path(tag), os.O_WRONLY)
        try:
            os.pwrite(fd, data, offset)
        finally:
            os.close(fd)

    def peek(self, tag, offset, length):
        fd = os.open(self.path(tag), os.O_RDONLY)
        try:
            return os.pread(fd, length, offset)
        finally:
            os.close(fd)

    def python(self, *argv):
        """Starts ``python3 argv...`` in python/ (stdin/stdout piped); killed after the test."""
        p = start_python([str(a) for a in argv], cwd=PYTHON_DIR)
        self.addCleanup(_stop, p)
        return p

    def child(self, code, *args):
        """Starts ``python3 -c code args...``."""
        return self.python("-c", code, *args)

    def run_cli(self, *args, stdin=None):
        env = dict(os.environ, SHM4J_DIR=self.dir)
        return subprocess.run([sys.executable, "-m", "shm4j", *args], input=stdin, env=env,
                              cwd=PYTHON_DIR, capture_output=True, text=True, timeout=60)


def start_python(argv, **kwargs):
    env = dict(os.environ)
    env["PYTHONPATH"] = PYTHON_DIR + os.pathsep + env.get("PYTHONPATH", "")
    return subprocess.Popen([sys.executable, *argv], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            text=True, env=env, **kwargs)


def _stop(p):
    if p.poll() is None:
        p.kill()
    p.wait(30)
    p.stdin.close()
    p.stdout.close()


def expect_line(proc, prefix, what="a line"):
    """Reads the child's stdout until a line starting with ``prefix``; fails if it exits first."""
    while True:
        line = proc.stdout.readline()
        if not line:
            raise AssertionError("child %d exited (%s) before printing %s starting with %r"
                                 % (proc.pid, proc.wait(), what, prefix))
        if line.startswith(prefix):
            return line.strip()
