# shellcheck shell=sh
# Finds a JDK >= 25 for ./mvnw and ./shm4j; sourced, POSIX sh.
# Order: JAVA_HOME if >= 25, else `java` on PATH if >= 25, else the newest JDK >= 25 under
# /usr/lib/jvm. The version is read from the JDK's `release` file, so no JVM is started.
# On success JAVA_HOME is exported; with no JDK 25 anywhere it prints one line and exits 1.

shm4j_jdk_major() { # $1 = a JDK home; prints its major version or nothing
  [ -x "$1/bin/java" ] && [ -f "$1/release" ] || return 0
  sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$1/release"
}

shm4j_find_jdk() {
  if [ -n "${JAVA_HOME-}" ] && [ "$(shm4j_jdk_major "$JAVA_HOME")" -ge 25 ] 2>/dev/null; then
    export JAVA_HOME; return 0
  fi
  _java=$(command -v java 2>/dev/null || true)
  if [ -n "$_java" ]; then
    _home=$(dirname "$(dirname "$(readlink -f "$_java")")")
    if [ "$(shm4j_jdk_major "$_home")" -ge 25 ] 2>/dev/null; then
      JAVA_HOME=$_home; export JAVA_HOME; return 0
    fi
  fi
  _best= _best_major=0 _noglob=
  case $- in *f*) _noglob=1; set +f ;; esac # mvnw runs with `set -f`
  for _home in /usr/lib/jvm/*; do
    _major=$(shm4j_jdk_major "$_home")
    if [ -n "$_major" ] && [ "$_major" -ge 25 ] && [ "$_major" -gt "$_best_major" ]; then
      _best=$_home _best_major=$_major
    fi
  done
  [ -z "$_noglob" ] || set -f
  if [ -n "$_best" ]; then
    JAVA_HOME=$_best; export JAVA_HOME; return 0
  fi
  echo "shm4j needs a JDK 25 or newer: install one (e.g. Temurin 25 under /usr/lib/jvm) or set JAVA_HOME to it" >&2
  exit 1
}
