"""Cost of Follower.get() next to json.loads of the same bytes, for a 1 KiB JSON object.

    cd python && python3 benchmarks/follower_get.py [--runs 7] [--iterations 20000]

``--cross-process``: the master is another process publishing a new version every ~200 us;
the follower spins until ``committed`` moves, then times get() and, right after, json.loads of
the payload it returned (the realistic case: fresh data written by another core).

Per run (medians over --runs runs are printed):
  * get(), new 1 KiB version: every iteration publishes a new version (not timed), then times
    one get() (protocol read: committed, seq, fields, copy, seq re-check, CRC-32; then json.loads)
    and, after another publish, one json.loads of the same 1 KiB payload. Interleaving gives
    both the same conditions; each call is timed alone with perf_counter_ns and the per-run
    median taken; the timer's own cost (an empty timed call, measured the same way) is
    subtracted from both. Overhead = (get - loads) / loads.
  * the split: after a third publish, the protocol read alone (``Follower._read``) and then
    ``json.loads`` of the bytes it returned, each timed alone; and zlib.crc32 of 1 KiB (batched).
  * get(), no new version: a batched loop of get() on an unchanged version (the cached path:
    two loads from shared memory and a compare), next to a batched loop of json.loads.
"""
import argparse
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
import zlib

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import shm4j  # noqa: E402  (the package next to this script)


def object_of_1kib():
    obj = {"service": "pricing", "version": 0, "flags": {"a": True, "b": False},
           "limits": list(range(40)), "hosts": ["host-%02d.example.org" % i for i in range(12)],
           "pad": ""}
    size = len(json.dumps(obj, separators=(",", ":")).encode())
    obj["pad"] = "x" * (1024 - size)
    return obj


def one_run(master, follower, variants, payload, iterations):
    clock = time.perf_counter_ns
    loads, get, timer, read, loads_read = [], [], [], [], []
    publish = master.publish
    for i in range(iterations):
        publish(variants[i % len(variants)])
        t0 = clock()
        follower.get()
        get.append(clock() - t0)
        publish(variants[(i + 1) % len(variants)])
        t0 = clock()
        json.loads(payload)
        loads.append(clock() - t0)
        publish(variants[(i + 2) % len(variants)])
        t0 = clock()
        data = follower._read()[3]  # the split: protocol read alone, then the decode of what it read
        read.append(clock() - t0)
        t0 = clock()
        json.loads(data)
        loads_read.append(clock() - t0)
        t0 = clock()
        timer.append(clock() - t0)
    follower.get()
    t0 = clock()
    for _ in range(iterations):
        follower.get()
    cached = (clock() - t0) / iterations
    t0 = clock()
    for _ in range(iterations):
        json.loads(payload)
    loads_batched = (clock() - t0) / iterations
    t0 = clock()
    for _ in range(iterations):
        zlib.crc32(payload)
    crc = (clock() - t0) / iterations
    t = statistics.median(timer)
    return {"loads": statistics.median(loads) - t, "get_new": statistics.median(get) - t,
            "read": statistics.median(read) - t, "loads_read": statistics.median(loads_read) - t,
            "crc": crc, "get_cached": cached, "loads_batched": loads_batched, "timer": t}


def cross_process_run(follower, iterations):
    """Alternates, version by version: get() on one fresh version; on the next, the baseline
    a reader without any protocol would pay: copy the slot's payload and json.loads it."""
    clock = time.perf_counter_ns
    q, f = follower._q, follower._file
    baseline, get, loads_hot, timer = [], [], [], []
    last = q[8]
    for i in range(2 * iterations):
        while q[8] == last:  # committed (offset 64): spin until the other process publishes
            pass
        last = q[8]
        if i % 2:
            start = f.slot_bases[last & 1] + 64
            t0 = clock()
            json.loads(f.map[start:start + 1024])
            baseline.append(clock() - t0)
        else:
            t0 = clock()
            follower.get()
            get.append(clock() - t0)
            data = follower._last_read[3]
            t0 = clock()
            json.loads(data)
            loads_hot.append(clock() - t0)
        t0 = clock()
        timer.append(clock() - t0)
    t = statistics.median(timer)
    return {"baseline": statistics.median(baseline) - t, "get_new": statistics.median(get) - t,
            "loads": statistics.median(loads_hot) - t, "timer": t}


PUBLISHER = """
import sys, time, shm4j
sys.path.insert(0, sys.argv[3])
from follower_get import object_of_1kib
obj = object_of_1kib()
variants = [dict(obj, version=v) for v in range(10)]
with shm4j.Master("bench", sys.argv[1]) as m:
    end = time.monotonic() + float(sys.argv[2])
    i = 0
    while time.monotonic() < end:
        m.publish(variants[i % 10]); i += 1
        time.sleep(0.0002)
"""


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--iterations", type=int, default=20000)
    parser.add_argument("--cross-process", action="store_true")
    args = parser.parse_args()
    if args.cross_process:
        return cross_process_main(args)
    directory = tempfile.mkdtemp(prefix="shm4j-bench-", dir="/dev/shm" if os.path.isdir("/dev/shm") else None)
    try:
        with shm4j.Master("bench", directory) as master, shm4j.Follower("bench", directory) as follower:
            obj = object_of_1kib()
            master.publish(obj)
            payload = follower.snapshot().data
            assert len(payload) == 1024, len(payload)
            variants = [dict(obj, version=v) for v in range(10)]  # same size, published in turn
            runs = [one_run(master, follower, variants, payload, args.iterations) for _ in range(args.runs)]
    finally:
        shutil.rmtree(directory, ignore_errors=True)
    med = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
    overheads = [100 * (r["get_new"] - r["loads"]) / r["loads"] for r in runs]
    print("python %s, %s, %d runs x %d iterations, payload %d bytes"
          % (platform.python_version(), platform.platform(), args.runs, args.iterations, len(payload)))
    print("%-44s %9.0f ns" % ("json.loads(1 KiB), per call", med["loads"]))
    print("%-44s %9.0f ns" % ("get(), new 1 KiB version, per call", med["get_new"]))
    print("%-44s %9.1f %%   (runs: %s)" % ("protocol overhead (get - loads) / loads", statistics.median(overheads),
                                          ", ".join("%.0f" % o for o in overheads)))
    print("%-44s %9.0f ns" % ("  of which: protocol read (_read) alone", med["read"]))
    print("%-44s %9.0f ns" % ("  of which: zlib.crc32(1 KiB) (batched loop)", med["crc"]))
    print("%-44s %9.0f ns" % ("  then: json.loads of the bytes just read", med["loads_read"]))
    print("%-44s %9.0f ns" % ("get(), no new version (batched loop)", med["get_cached"]))
    print("%-44s %9.0f ns" % ("json.loads(1 KiB) (batched loop)", med["loads_batched"]))
    print("%-44s %9.0f ns" % ("timer cost subtracted from per-call figures", med["timer"]))


def cross_process_main(args):
    import subprocess
    directory = tempfile.mkdtemp(prefix="shm4j-bench-", dir="/dev/shm" if os.path.isdir("/dev/shm") else None)
    here = os.path.dirname(os.path.abspath(__file__))
    try:
        shm4j.Master("bench", directory).close()
        env = dict(os.environ, PYTHONPATH=os.path.dirname(here))
        publisher = subprocess.Popen([sys.executable, "-c", PUBLISHER, directory, "600", here], env=env)
        try:
            with shm4j.Follower("bench", directory) as follower:
                while follower.version == 0:
                    time.sleep(0.01)
                runs = [cross_process_run(follower, args.iterations) for _ in range(args.runs)]
        finally:
            publisher.kill()
            publisher.wait()
    finally:
        shutil.rmtree(directory, ignore_errors=True)
    med = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
    overheads = [100 * (r["get_new"] - r["baseline"]) / r["baseline"] for r in runs]
    print("python %s, %s, cross-process, %d runs x %d + %d new versions"
          % (platform.python_version(), platform.platform(), args.runs, args.iterations, args.iterations))
    print("%-52s %9.0f ns" % ("json.loads(1 KiB) of bytes already in cache", med["loads"]))
    print("%-52s %9.0f ns" % ("fresh version: copy + json.loads, no protocol", med["baseline"]))
    print("%-52s %9.0f ns" % ("fresh version: get()", med["get_new"]))
    print("%-52s %9.1f %%   (runs: %s)" % ("protocol overhead (get - copy+loads) / copy+loads",
                                          statistics.median(overheads), ", ".join("%.0f" % o for o in overheads)))


if __name__ == "__main__":
    main()
