#!/bin/sh
# CLI start-up, as docs/BENCHMARKS.md ("CLI start-up") reports it: wall and CPU time of
# `shm4j get` of a small object, N runs each (default 20), for
#   cached   ./shm4j get (the launcher: C1, serial GC, the AOT cache)
#   installed the same after `./shm4j install` (no check of the repository's sources)
#   no-cache the same JVM flags without the AOT cache
#   default  plain `java -p lib -m io.shm4j.cli` (no flags, no cache)
#   java     `java -version` (the JVM's own floor)
#   python   `python3 -m shm4j get` (the Python CLI)
# and prints min and median of each. Usage: shm4j-cli/src/build/cli-startup.sh [N]
set -eu
root=$(cd "$(dirname "$0")/../../.." && pwd)
n=${1:-20}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
"$root/shm4j" --dir "$dir" put bench '{"color":"blue","threads":4}' >/dev/null # builds lib and cache if needed
. "$root/.mvn/find-jdk.sh"
shm4j_find_jdk
java="$JAVA_HOME/bin/java"
lib="$root/shm4j-cli/target/lib"
measure() { # NAME COMMAND...: N runs; prints "NAME wall min/median s, cpu min/median s"
  name=$1; shift
  : >"$dir/times"
  i=0
  while [ "$i" -lt "$n" ]; do
    /usr/bin/time -f "%e %U %S" -o "$dir/one" "$@" >/dev/null 2>&1
    awk '{ printf "%s %.2f\n", $1, $2 + $3 }' "$dir/one" >>"$dir/times"
    i=$((i + 1))
  done
  wall=$(cut -d' ' -f1 "$dir/times" | sort -n | awk '{ v[NR] = $1 } END { printf "%.2f / %.2f", v[1], v[int((NR + 1) / 2)] }')
  cpu=$(cut -d' ' -f2 "$dir/times" | sort -n | awk '{ v[NR] = $1 } END { printf "%.2f / %.2f", v[1], v[int((NR + 1) / 2)] }')
  printf '%-10s wall min/median %s s   cpu min/median %s s\n' "$name" "$wall" "$cpu"
}
echo "$n runs each; $(nproc) cores; load average $(cut -d' ' -f1-3 /proc/loadavg); $("$java" -version 2>&1 | head -n 1)"
measure cached "$root/shm4j" --dir "$dir" get bench
"$root/shm4j" install --prefix "$dir/prefix" >/dev/null 2>&1
measure installed "$dir/prefix/bin/shm4j" --dir "$dir" get bench
measure no-cache "$java" -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -XX:-UsePerfData --enable-native-access=io.shm4j \
  --add-modules=ALL-MODULE-PATH --module-path "$lib" -m io.shm4j.cli/io.shm4j.cli.Main --dir "$dir" get bench
measure default "$java" --enable-native-access=io.shm4j --add-modules=ALL-MODULE-PATH --module-path "$lib" \
  -m io.shm4j.cli/io.shm4j.cli.Main --dir "$dir" get bench
measure java "$java" -version
measure python env PYTHONPATH="$root/python" python3 -m shm4j --dir "$dir" get bench
