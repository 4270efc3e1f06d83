#!/usr/bin/env python3
"""Compares two builds of shm4j on the spinning follower's publish->copied time, in rounds that
alternate them, each round labelled with the machine's state (docs/BENCHMARKS.md, "The machine's
two states"). A round: `CoherenceProbe 1` (the state, from a warm probe), then
`SpinPathExperiment api SIZE ROUNDS` from the BEFORE jar and from the AFTER jar at each size.
Prints every round, then per state and size the medians and the median of the per-round
after/before ratios, with their range.

Usage: shm4j-bench/src/build/paired-spin-path.py BEFORE.jar AFTER.jar SECONDS
(each jar is a shm4j-bench/target/shm4j-bench.jar built at the commit to compare)."""
import glob, os, re, statistics, subprocess, sys, time

# JDK 25: $JAVA_HOME if set, else the first one under /usr/lib/jvm (as ./mvnw and ./shm4j find it).
JAVA = os.path.join(os.environ['JAVA_HOME'], 'bin', 'java') if os.environ.get('JAVA_HOME') else \
    (sorted(glob.glob('/usr/lib/jvm/*25*/bin/java')) or ['java'])[0]
SIZES = {1048576: 4000, 65536: 40000, 1024: 200000}


def run(jar, *args):
    out = subprocess.run([JAVA, '--enable-native-access=ALL-UNNAMED', '-cp', jar] + list(args),
                         check=True, capture_output=True, text=True).stdout
    return out.strip().splitlines()[-1]


def main():
    before, after, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
    rounds = []
    end = time.time() + seconds
    while time.time() < end:
        probe = run(after, 'io.shm4j.bench.CoherenceProbe', '1')
        state = re.search(r'\((FAST|SLOW)\)', probe).group(1)
        p50 = {}
        for label, jar in (('before', before), ('after', after)):
            for size, n in SIZES.items():
                line = run(jar, 'io.shm4j.bench.SpinPathExperiment', 'api', str(size), str(n))
                p50[label, size] = int(re.search(r'p50 (\d+) ns', line).group(1))
        rounds.append((state, p50))
        print(probe, ' '.join('%s %d B %d ns' % (k[0], k[1], v) for k, v in p50.items()), flush=True)
    for state in ('FAST', 'SLOW'):
        mine = [p for s, p in rounds if s == state]
        if not mine:
            continue
        print('%s: %d rounds' % (state, len(mine)))
        for size in SIZES:
            ratios = sorted(p['after', size] / p['before', size] for p in mine)
            print('  %7d B: before %.0f ns, after %.0f ns; after/before per round median %.2f (%.2f-%.2f)' % (
                size, statistics.median(p['before', size] for p in mine), statistics.median(p['after', size] for p in mine),
                statistics.median(ratios), ratios[0], ratios[-1]))


if __name__ == '__main__':
    main()
