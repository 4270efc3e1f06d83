# shellcheck shell=sh
# Finds a JDK >= 25 for ./mvnw and ./shm4j; sourced, POSIX sh.
# Order: JAVA_HOME if >= 25, else `java` on PATH if >= 25, else the newest JDK >= 25 under
# /usr/lib/jvm. The version is read from the JDK's `release` file, so no JVM is started, with
# shell builtins: ./shm4j runs this before every command, and each process it would start
# (sed, dirname) costs milliseconds of the command's start-up.
# On success JAVA_HOME is exported; with no JDK 25 anywhere it prints one line and exits 1.

shm4j_jdk_major() { # $1 = a JDK home; sets _major to its major version, or to nothing
  _major=
  [ -x "$1/bin/java" ] && [ -f "$1/release" ] || return 0
  while IFS= read -r _line || [ -n "$_line" ]; do
    case $_line in
      JAVA_VERSION=\"[0-9]*) # JAVA_VERSION="25.0.3"
        _major=${_line#JAVA_VERSION=\"}
        _major=${_major%%[!0-9]*}
        return 0 ;;
    esac
  done <"$1/release"
}

shm4j_find_jdk() {
  if [ -n "${JAVA_HOME-}" ]; then
    shm4j_jdk_major "$JAVA_HOME"
    if [ "${_major:-0}" -ge 25 ]; then
      export JAVA_HOME; return 0
    fi
  fi
  _java= _ifs=$IFS _noglob=
  case $- in *f*) _noglob=1 ;; *) set -f ;; esac # PATH split without globbing
  IFS=:
  for _dir in $PATH; do
    if [ -f "${_dir:-.}/java" ] && [ -x "${_dir:-.}/java" ]; then
      _java=${_dir:-.}/java; break
    fi
  done
  IFS=$_ifs
  set +f # for the glob below; mvnw runs with `set -f`, restored at the end
  _best= _best_major=0 _path_home=
  for _home in /usr/lib/jvm/*; do
    shm4j_jdk_major "$_home"
    if [ -n "$_major" ] && [ -n "$_java" ] && [ "$_java" -ef "$_home/bin/java" ]; then
      _path_home=$_home _path_major=$_major # PATH's java, found without readlink
    fi
    if [ -n "$_major" ] && [ "$_major" -ge 25 ] && [ "$_major" -gt "$_best_major" ]; then
      _best=$_home _best_major=$_major
    fi
  done
  [ -z "$_noglob" ] || set -f
  if [ -n "$_java" ] && [ -z "$_path_home" ]; then # PATH's java lives elsewhere
    _path_home=$(readlink -f "$_java")
    _path_home=${_path_home%/*} _path_home=${_path_home%/*} # HOME/bin/java
    shm4j_jdk_major "$_path_home"
    _path_major=$_major
  fi
  if [ -n "$_path_home" ] && [ "${_path_major:-0}" -ge 25 ]; then
    JAVA_HOME=$_path_home; export JAVA_HOME; return 0
  fi
  if [ -n "$_best" ]; then
    JAVA_HOME=$_best; export JAVA_HOME; return 0
  fi
  echo "shm4j needs a JDK 25 or newer: install one (e.g. Temurin 25 under /usr/lib/jvm) or set JAVA_HOME to it" >&2
  exit 1
}
