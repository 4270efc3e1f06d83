"""Programs the cross-process tests run as real processes (also from the Java tests):

    python3 -m tests.procs master   TAG DIR           publish self-checking objects at full speed
                                    until stdin closes (every reader is done)
    python3 -m tests.procs follower TAG DIR VERSIONS  read and validate every snapshot until VERSIONS
                                    new versions were seen; print a summary ("done": false if
                                    WORK_DEADLINE passed first)
    python3 -m tests.procs wait     TAG DIR VERSION TIMEOUT   wait_newer once; print the outcome
    python3 -m tests.procs hold     TAG DIR     be the master until stdin closes; prints "ready PID"
    python3 -m tests.procs try      TAG DIR     try to become master; prints "ok" or "conflict pid=N"
    python3 -m tests.procs try-loop TAG DIR     the same once per line read from stdin
    python3 -m tests.procs lockf    TAG DIR     take a classic POSIX lock (an old master's) on the
                                                file; prints "locked" or "refused", then holds it
                                                until stdin closes
    python3 -m tests.procs hold-touch TAG DIR   be the master; per stdin line "touch" open and close
                                                the file every other way (touch_ways), "grow" grow it
    python3 -m tests.procs obey     TAG DIR master|follower   one command per stdin line: "publish" or
                                    "followers" (master; "ok COUNT"), "get", "fresh" or "wait" (follower;
                                    "fresh" reads through a new Follower, "wait" gets once a version newer
                                    than the last one got is committed); prints "ok VERSION" or
                                    "error CLASS MESSAGE"

Self-checking object (the Java side builds the same): ``{"n": N, "len": K, "fill": F}`` where N
is the version it is published as, F is K copies of the letter ``chr(97 + N % 26)``. A torn or
mixed read breaks one of: N == the snapshot's version, len(F) == K, F made of one letter.
Sizes cycle so that objects range from a few bytes to ~300 KiB, which also grows the region.
"""
import contextlib
import io
import json
import mmap
import os
import sys
import threading
import time

import shm4j
from shm4j import cli

SIZES = [0, 1, 17, 100, 1000, 3000, 4000, 50, 20_000, 5, 300_000, 700, 64_000, 2]


def payload(n):
    k = SIZES[n % len(SIZES)]
    return {"n": n, "len": k, "fill": chr(97 + n % 26) * k}


def check(value, version):
    """None if ``value`` is the whole object published as ``version``, else what is wrong."""
    if not isinstance(value, dict) or value.get("n") != version:
        return "version %d holds %.80r" % (version, value)
    k, fill = value.get("len"), value.get("fill")
    if not isinstance(fill, str) or len(fill) != k or fill != chr(97 + version % 26) * k:
        return "version %d: fill of length %s does not match len %s / letter" % (
            version, None if not isinstance(fill, str) else len(fill), k)
    return None


SAFETY_DEADLINE = 600.0  # a publisher nobody stops: a test that forgot to
WORK_DEADLINE = 300.0    # a reader that cannot do its work under any load


def master(tag, directory):
    """Publishes until stdin closes: the test closes it once every reader said it is done."""
    stdin_open = threading.Event()
    stdin_open.set()

    def watch_stdin():
        sys.stdin.read()
        stdin_open.clear()

    threading.Thread(target=watch_stdin, daemon=True).start()
    with shm4j.Master(tag, directory) as m:
        m.publish(payload(m.version + 1))
        print("ready %d" % m.version, flush=True)
        deadline = time.monotonic() + SAFETY_DEADLINE
        while stdin_open.is_set() and time.monotonic() < deadline:
            m.publish(payload(m.version + 1))
        print("done %d" % m.version, flush=True)


def follower(tag, directory, min_versions):
    """Validates every new version the API returns and, between those, two forced full protocol
    reads of the committed slot (copy, seq re-check, CRC; no cache): get()'s and the general one,
    so every counted read went through the seqlock."""
    reads = invalid = versions = 0
    last = 0
    first_error = None
    with shm4j.Follower(tag, directory) as f:
        print("ready", flush=True)
        started = time.monotonic()
        deadline = started + WORK_DEADLINE
        while versions < min_versions and time.monotonic() < deadline:
            snap = f.snapshot()
            if snap is None:
                continue
            problem = None
            if snap.version != last:
                reads += 1
                problem = check(snap.value(), snap.version)
                if problem is None and snap.version < last:
                    problem = "version went back from %d to %d" % (last, snap.version)
                versions += 1
                last = snap.version
            f._value_version = -1  # no cached object: get() reads the committed slot again
            value = f.get()
            version, _, _, data = f._read()  # the general read (retries), as snapshot() makes it
            reads += 2
            problem = problem or check(value, f._value_version) or check(json.loads(data), version)
            if problem is not None:
                invalid += 1
                first_error = first_error or problem
        retries = f.retries
    print(json.dumps({"reads": reads, "invalid": invalid, "versions": versions, "last": last,
                      "retries": retries, "firstError": first_error, "done": versions >= min_versions,
                      "seconds": round(time.monotonic() - started, 3)}), flush=True)


def wait(tag, directory, version, timeout):
    from shm4j import _futex
    with shm4j.Follower(tag, directory) as f:
        print("waiting futex=%s" % (_futex.AVAILABLE and f._file.notify_address is not None), flush=True)
        started = time.monotonic()
        newer = f.wait_newer(version, timeout)
        print("woke %s %d %.3f" % (newer, f.version, time.monotonic() - started), flush=True)


def hold(tag, directory):
    with shm4j.Master(tag, directory) as m:
        m.publish({"holder": os.getpid()})
        print("ready %d" % os.getpid(), flush=True)
        sys.stdin.read()


def try_master(tag, directory):
    try:
        with shm4j.Master(tag, directory) as m:
            version = m.version
    except shm4j.MasterConflictError as e:
        print("conflict pid=%d" % e.holder_pid, flush=True)
        return
    print("ok version=%d" % version, flush=True)  # once closed: the next attempt may take it


def touch_ways(tag, directory):
    """Every way this process may open and close a region's file besides its master: (name, fn)
    pairs, fn raising AssertionError if the way itself failed. With a POSIX record lock, each
    of these in the master's process would end its exclusion (FORMAT.md 5.3)."""
    path = os.path.join(directory, tag)

    def read_file():
        with open(path, "rb") as f:
            f.read()

    def map_file():
        fd = os.open(path, os.O_RDONLY)
        try:
            mmap.mmap(fd, 0, access=mmap.ACCESS_READ).close()
        finally:
            os.close(fd)

    def cli_main(expected, *argv):
        def run():
            with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()) as err:
                code = cli.main(["--dir", directory, *argv])
            if code != expected:
                raise AssertionError("%s exited %d, not %d: %s" % (argv, code, expected, err.getvalue()))
        return run

    return [("open().read()", read_file),
            ("os.open/os.close", lambda: os.close(os.open(path, os.O_RDWR))),
            ("mmap", map_file),
            ("Follower", lambda: shm4j.Follower(tag, directory).close()),
            ("cli get", cli_main(0, "get", tag)),
            ("cli get --meta", cli_main(0, "get", tag, "--meta")),
            ("cli inspect", cli_main(0, "inspect", tag)),
            ("cli watch", cli_main(0, "watch", tag, "--count", "1")),
            ("cli put, refused", cli_main(5, "put", tag, "1"))]


def posix_lock(tag, directory):
    import fcntl
    fd = os.open(os.path.join(directory, tag), os.O_RDWR)
    try:
        fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        print("refused", flush=True)
        return
    print("locked", flush=True)
    sys.stdin.read()


def hold_touch(tag, directory):
    with shm4j.Master(tag, directory) as m:
        m.publish({"holder": os.getpid()})
        print("ready %d" % os.getpid(), flush=True)
        for line in sys.stdin:
            if line.strip() == "grow":
                m.publish("z" * 9000)
                print("grown", flush=True)
            else:
                for _, way in touch_ways(tag, directory):
                    way()
                print("touched", flush=True)


def obey(tag, directory, role):
    """A master or follower that acts only when told, so that a test can change the file
    between two operations (test_shrink)."""
    opened = shm4j.Master(tag, directory) if role == "master" else shm4j.Follower(tag, directory)
    with opened as peer:
        print("ready", flush=True)
        for line in sys.stdin:
            command = line.strip()
            try:
                if command == "publish":
                    version = peer.publish(payload(peer.version + 1))
                elif command == "followers":
                    version = len(peer.followers())
                else:
                    if command == "wait" and not peer.wait_newer(peer._value_version, 120):
                        raise AssertionError("no version after %d within 120 s" % peer._value_version)
                    reader = shm4j.Follower(tag, directory) if command == "fresh" else peer
                    value = reader.get()
                    version = value["n"]
                    problem = check(value, reader.version if command == "fresh" else peer._value_version)
                    if problem:
                        raise AssertionError(problem)
                print("ok %d" % version, flush=True)
            except Exception as e:
                print("error %s %s" % (type(e).__name__, e), flush=True)


if __name__ == "__main__":
    command, tag, directory, *rest = sys.argv[1:]
    if command == "wait":
        wait(tag, directory, int(rest[0]), float(rest[1]))
    elif command == "hold":
        hold(tag, directory)
    elif command == "try":
        try_master(tag, directory)
    elif command == "lockf":
        posix_lock(tag, directory)
    elif command == "hold-touch":
        hold_touch(tag, directory)
    elif command == "try-loop":
        for _ in sys.stdin:
            try_master(tag, directory)
    elif command == "obey":
        obey(tag, directory, rest[0])
    elif command == "master":
        master(tag, directory)
    else:
        follower(tag, directory, int(rest[0]))
