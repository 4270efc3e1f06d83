#!/usr/bin/env python3
"""Samples, every 1 ms, the run time (/proc/<pid>/task/<tid>/schedstat, ns) of the busiest thread
of the bench's master and follower JVMs during a staleness case, and prints per case the share of
wall time both ran at once (sum over 1 ms intervals of min(run_a, run_b) / elapsed: an upper
bound, two threads that each ran part of a millisecond may not have overlapped) and how much
each ran. Usage: shm4j-bench/src/build/staleness-overlap.py SECONDS, started just before
`./shm4j bench ... --overload ...` (docs/BENCHMARKS.md, "Staleness under overload: the cause
found and fixed")."""
import glob, os, sys, time

def busiest(pid):
    best, bt = None, -1
    for t in glob.glob('/proc/%s/task/*' % pid):
        try:
            run = int(open(t + '/schedstat').read().split()[0])
        except OSError:
            continue
        if run > bt:
            best, bt = t, run
    return best

def hogs():
    n = 0
    for p in glob.glob('/proc/[0-9]*'):
        try:
            if b'while :; do :; done' in open(p + '/cmdline', 'rb').read():
                n += 1
        except OSError:
            pass
    return n

def procs():
    out = {}
    for p in glob.glob('/proc/[0-9]*'):
        try:
            cmd = open(p + '/cmdline', 'rb').read().split(b'\0')
        except OSError:
            continue
        if b'io.shm4j.bench.PeerProcess' in cmd:
            i = cmd.index(b'io.shm4j.bench.PeerProcess')
            role = cmd[i + 1].decode()
            peer = [a for a in cmd if a.startswith(b'peer=')]
            out[role] = (p.split('/')[-1], peer[0].decode()[5:] if peer else '?')
    return out

end = time.time() + float(sys.argv[1])
seen = set()
while time.time() < end:
    ps = procs()
    if 'master' in ps and 'follower' in ps and ps['master'][0] not in seen:
        mpid, peer = ps['master']; fpid = ps['follower'][0]
        # the staleness phase: while the runner's CPU hogs run
        while hogs() == 0 and time.time() < end and os.path.exists('/proc/' + mpid):
            time.sleep(0.02)
        ms, fs = busiest(mpid), busiest(fpid)
        if not ms or not fs:
            continue
        seen.add(mpid)
        def rt(t):
            try:
                return int(open(t + '/schedstat').read().split()[0])
            except OSError:
                return None
        a0, b0, t0 = rt(ms), rt(fs), time.monotonic_ns()
        both = ra = rb = 0
        start = t0
        i = 0
        while True:
            i += 1
            time.sleep(0.001)
            a1, b1, t1 = rt(ms), rt(fs), time.monotonic_ns()
            if a1 is None or b1 is None or t1 - start > 4e9 or (i % 200 == 0 and hogs() == 0):
                break
            da, db = a1 - a0, b1 - b0
            both += min(da, db); ra += da; rb += db
            a0, b0, t0 = a1, b1, t1
        el = t0 - start
        print('%-12s master ran %4.0f%%, follower ran %4.0f%%, both at once ~%4.0f%% of %.1f s'
              % (peer, 100 * ra / el, 100 * rb / el, 100 * both / el, el / 1e9), flush=True)
    time.sleep(0.05)
