"""Cost of Follower.get() next to json.loads of the same bytes, for a 1 KiB JSON object.

    cd python && python3 benchmarks/follower_get.py [--runs 7] [--iterations 20000]

``--cross-process``: the master is another process publishing a new version every ~200 us;
the follower spins until ``committed`` moves and then, version by version in turn, times one of
get(), copy + json.loads and copy + the decode get() uses (the realistic case: fresh data
written by another core).

Per run (medians over --runs runs are printed):
  * get(), new 1 KiB version: each timed call follows its own publish (not timed), so every
    call starts with the caches as a publish leaves them. Three calls per iteration, in each of
    their six orders in turn (what ran before a call changes its time): get() (protocol
    read: flags, committed, seq, fields, copy, seq re-check, CRC-32; then the decode);
    json.loads of the same 1 KiB payload (issue 6's baseline); the decode get() uses (UTF-8 to
    str, then JSONDecoder.decode) of the same payload. Each keeps its object until its next
    call, as get() keeps its cached one, so each frees an object of the same age. Each call is
    timed alone with perf_counter_ns and the per-run median taken; the timer's own cost (an
    empty timed call, measured the same way) is subtracted. Overhead = (get - json.loads) /
    json.loads; the protocol's share = (get - the decode get() uses) / json.loads.
  * zlib.crc32 of 1 KiB (batched loop), part of the protocol read.
  * get(), no new version: a batched loop of get() on an unchanged version (the cached path:
    two loads from shared memory and a compare), next to a batched loop of json.loads.
"""
import argparse
import itertools
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
from shm4j.follower import _decode_json  # noqa: E402  (get()'s decode of a JSON payload)

ORDERS = list(itertools.permutations(range(3)))  # of get(), json.loads, get()'s decode


def object_of_1kib():
    obj = {"service": "pricing", "version": 0, "flags": {"a": True, "b": False},
           "limits": list(range(40)), "hosts": ["host-%02d.example.org" % i for i in range(12)],
           "pad": ""}
    size = len(json.dumps(obj, separators=(",", ":")).encode())
    obj["pad"] = "x" * (1024 - size)
    return obj


def one_run(master, follower, variants, payload, iterations):
    clock = time.perf_counter_ns
    loads, get, decode, timer = [], [], [], []
    publish = master.publish
    n = len(variants)
    kept_loads = kept_decode = None  # each keeps its object until the next, as get() does
    for i in range(iterations):
        # every order in turn: each call comes first, after each other one and last equally often
        for k, which in enumerate(ORDERS[i % len(ORDERS)]):
            publish(variants[(3 * i + k) % n])
            if which == 0:
                t0 = clock()
                follower.get()
                get.append(clock() - t0)
            elif which == 1:
                t0 = clock()
                kept_loads = json.loads(payload)
                loads.append(clock() - t0)
            else:
                t0 = clock()
                kept_decode = _decode_json(payload.decode())
                decode.append(clock() - t0)
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
            "decode": statistics.median(decode) - t, "crc": crc, "get_cached": cached,
            "loads_batched": loads_batched, "timer": t}


def cross_process_run(follower, iterations):
    """Version by version in turn: get() on one fresh version; on the next, what a reader without
    any protocol pays at least (copy the slot's payload and json.loads it); on the next, the copy
    and the decode get() uses."""
    clock = time.perf_counter_ns
    q, f = follower._q, follower._file
    baseline, decode, get, timer = [], [], [], []
    kept_baseline = kept_decode = None  # each keeps its object until the next, as get() does
    last = q[8]
    for i in range(3 * iterations):
        while q[8] == last:  # committed (offset 64): spin until the other process publishes
            pass
        last = q[8]
        start = f.slot_bases[last & 1] + 64
        if i % 3 == 0:
            t0 = clock()
            follower.get()
            get.append(clock() - t0)
        elif i % 3 == 1:
            t0 = clock()
            kept_baseline = json.loads(f.map[start:start + 1024])
            baseline.append(clock() - t0)
        else:
            t0 = clock()
            kept_decode = _decode_json(f.map[start:start + 1024].decode())
            decode.append(clock() - t0)
        t0 = clock()
        timer.append(clock() - t0)
    t = statistics.median(timer)
    return {"baseline": statistics.median(baseline) - t, "decode": statistics.median(decode) - t,
            "get_new": statistics.median(get) - t, "timer": t}


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
    print("python %s, %s, %d runs x %d iterations, payload %d bytes"
          % (platform.python_version(), platform.platform(), args.runs, args.iterations, len(payload)))
    print("%-48s %9.0f ns" % ("json.loads(1 KiB), per call", med["loads"]))
    print("%-48s %9.0f ns" % ("get(), new 1 KiB version, per call", med["get_new"]))
    print_ratio("overhead (get - json.loads) / json.loads", runs, "get_new", "loads", "loads")
    print("%-48s %9.0f ns" % ("the decode get() uses (str, JSONDecoder), per call", med["decode"]))
    print_ratio("protocol share (get - that decode) / json.loads", runs, "get_new", "decode", "loads")
    print("%-48s %9.0f ns" % ("zlib.crc32(1 KiB) (batched loop)", med["crc"]))
    print("%-48s %9.0f ns" % ("get(), no new version (batched loop)", med["get_cached"]))
    print("%-48s %9.0f ns" % ("json.loads(1 KiB) (batched loop)", med["loads_batched"]))
    print("%-48s %9.0f ns" % ("timer cost subtracted from per-call figures", med["timer"]))


def print_ratio(label, runs, minuend, subtrahend, base):
    """The median over runs of 100 * (minuend - subtrahend) / base, and each run's value."""
    ratios = [100 * (r[minuend] - r[subtrahend]) / r[base] for r in runs]
    print("%-48s %9.1f %%   (runs: %s)" % (label, statistics.median(ratios), ", ".join("%.0f" % x for x in ratios)))


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
    print("python %s, %s, cross-process, %d runs x 3 x %d new versions"
          % (platform.python_version(), platform.platform(), args.runs, args.iterations))
    print("%-52s %9.0f ns" % ("fresh version: copy + json.loads, no protocol", med["baseline"]))
    print("%-52s %9.0f ns" % ("fresh version: copy + the decode get() uses", med["decode"]))
    print("%-52s %9.0f ns" % ("fresh version: get()", med["get_new"]))
    print_ratio("overhead (get - copy+json.loads) / copy+json.loads", runs, "get_new", "baseline", "baseline")
    print_ratio("protocol share (get - copy+decode) / copy+json.loads", runs, "get_new", "decode", "baseline")


if __name__ == "__main__":
    main()
