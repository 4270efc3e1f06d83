"""``python3 -m shm4j get|put|watch|inspect TAG``: the Java CLI's object commands in Python.

Exit codes (python/README.md lists them): 0 success, 1 I/O or other error, 2 usage (bad
arguments, invalid tag), 3 region not found or nothing published, 4 corrupt or not an object
region, 5 another master holds the region, 6 invalid input (not JSON, too large), 7 no value
at the --pointer, 8 no whole snapshot within the retry bound.
"""
import argparse
import datetime
import json
import os
import sys
import zlib

from . import _files, _proc
from ._format import (HEADER_LENGTH, SLOT_FIELDS_STRUCT, SLOT_HEADER_LENGTH, ContentType, Header,
                      slot_offset, validate_header, MAGIC)
from .errors import (ConsistencyError, CorruptRegionError, InvalidObjectError, InvalidTagError,
                     MasterConflictError, ObjectTooLargeError, RegionNotFoundError, Shm4jError)
from .follower import Follower
from .master import Master

OK, ERROR, USAGE, NOT_FOUND, CORRUPT, MASTER_CONFLICT, INVALID_INPUT, NO_VALUE, INCONSISTENT = range(9)

_EXIT_CODES = ((InvalidTagError, USAGE), (RegionNotFoundError, NOT_FOUND),
               (CorruptRegionError, CORRUPT), (MasterConflictError, MASTER_CONFLICT),
               (ObjectTooLargeError, INVALID_INPUT), (InvalidObjectError, INVALID_INPUT),
               (ConsistencyError, INCONSISTENT), (Shm4jError, ERROR), (OSError, ERROR))


class _Failure(Exception):
    def __init__(self, code, message):
        super().__init__(message)
        self.code = code


def main(argv=None):
    args = _parser().parse_args(argv)
    args.dir = getattr(args, "dir", None)
    args.verbose = getattr(args, "verbose", False)
    try:
        return args.command(args) or OK
    except _Failure as e:
        return _fail(args, e.code, str(e), e)
    except KeyboardInterrupt:
        return OK
    except BrokenPipeError:
        return OK
    except Exception as e:  # every error becomes one line and a documented code
        for kind, code in _EXIT_CODES:
            if isinstance(e, kind):
                return _fail(args, code, str(e), e)
        raise


def _fail(args, code, message, error):
    if args.verbose:
        import traceback
        traceback.print_exception(type(error), error, error.__traceback__)
    print("shm4j: " + message, file=sys.stderr)
    return code


def _parser():
    common = argparse.ArgumentParser(add_help=False)
    # SUPPRESS: an option given before the command is not reset by the command's own default.
    common.add_argument("--dir", default=argparse.SUPPRESS,
                        help="region directory (default: $SHM4J_DIR, else /dev/shm/shm4j)")
    common.add_argument("--verbose", action="store_true", default=argparse.SUPPRESS,
                        help="print stack traces of errors")
    p = argparse.ArgumentParser(prog="python3 -m shm4j", parents=[common],
                                description="Read and publish shm4j shared objects.")
    sub = p.add_subparsers(dest="name", required=True, metavar="COMMAND")

    g = sub.add_parser("get", parents=[common], help="print the current object as JSON")
    g.add_argument("tag")
    g.add_argument("--pointer", default="", help="print only the value at this JSON pointer (/a/b/0)")
    g.add_argument("--pretty", action="store_true", help="indent the JSON")
    g.add_argument("--meta", action="store_true",
                   help="print version, size, publish time and master pid/alive instead")
    g.set_defaults(command=_get)

    u = sub.add_parser("put", parents=[common], help="publish one JSON object (takes the master lock briefly)")
    u.add_argument("tag")
    u.add_argument("json", nargs="?", help="the JSON text, or - for stdin")
    u.add_argument("--file", help="read the JSON from this file")
    u.set_defaults(command=_put)

    w = sub.add_parser("watch", parents=[common], help="print each new version as one JSON line")
    w.add_argument("tag")
    w.add_argument("--count", type=int, help="stop after this many lines")
    w.set_defaults(command=_watch)

    i = sub.add_parser("inspect", parents=[common], help="print header and slot fields")
    i.add_argument("tag")
    i.set_defaults(command=_inspect)
    return p


def _dumps(value, pretty=False):
    if pretty:
        return json.dumps(value, ensure_ascii=False, indent=2)
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _out(text):
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def _snapshot(follower):
    snap = follower.snapshot()
    if snap is None:
        raise _Failure(NOT_FOUND, "region %s has no published version yet" % follower.region)
    return snap


def _value(follower, snap):
    try:
        return snap.value()
    except (ValueError, UnicodeDecodeError) as e:
        raise _Failure(CORRUPT, "version %d of region %s is not valid %s: %s"
                       % (snap.version, follower.region, snap.content_type.name, e)) from None


def _get(args):
    with Follower(args.tag, args.dir) as f:
        snap = _snapshot(f)
        if args.meta:
            h = f.header()
            pid = h.master_pid
            _out(_dumps({"tag": args.tag, "version": snap.version, "size": len(snap.data),
                         "contentType": snap.content_type.name.lower(),
                         "publishTime": _iso(snap.publish_time_ns), "masterPid": pid,
                         "masterAlive": _proc.is_alive(pid, h.master_start)}, args.pretty))
            return OK
        if snap.content_type == ContentType.RAW and not args.pointer:
            sys.stdout.buffer.write(snap.data)
            sys.stdout.flush()
            return OK
        value = _value(f, snap)
        if args.pointer:
            value = _at_pointer(value, args.pointer, f.region)
        if snap.content_type == ContentType.TEXT and not args.pointer:
            _out(value)
        else:
            _out(_dumps(value, args.pretty))
    return OK


def _at_pointer(value, pointer, region):
    """RFC 6901 JSON pointer lookup."""
    if not pointer.startswith("/"):
        raise _Failure(USAGE, "invalid JSON pointer '%s': it must start with /" % pointer)
    for token in pointer[1:].split("/"):
        token = token.replace("~1", "/").replace("~0", "~")
        if isinstance(value, dict) and token in value:
            value = value[token]
        elif isinstance(value, list) and token.isdigit() and int(token) < len(value):
            value = value[int(token)]
        else:
            raise _Failure(NO_VALUE, "no value at %s in region %s" % (pointer, region))
    return value


def _put(args):
    if args.file is not None and args.json is not None:
        raise _Failure(USAGE, "give the JSON either as an argument or with --file, not both")
    if args.file is not None:
        with open(args.file, "rb") as fh:
            text, source = fh.read(), args.file
    elif args.json is None or args.json == "-":
        text, source = sys.stdin.buffer.read(), "stdin"
    else:
        text, source = args.json, "the argument"
    try:
        value = json.loads(text)
    except (ValueError, UnicodeDecodeError) as e:
        raise _Failure(INVALID_INPUT, "invalid JSON in %s: %s; nothing was published" % (source, e)) from None
    with Master(args.tag, args.dir) as m:
        version = m.publish(value)
    print("published version %d of %s" % (version, args.tag), file=sys.stderr)
    return OK


def _watch(args):
    printed = 0
    with Follower(args.tag, args.dir) as f:
        seen = 0
        while args.count is None or printed < args.count:
            snap = f.snapshot()
            if snap is None or snap.version <= seen:
                f.wait_newer(seen, None)
                continue
            seen = snap.version
            value = _value(f, snap)
            if isinstance(value, bytes):
                value = value.decode("latin-1")
            _out('{"version":%d,"value":%s}' % (snap.version, _dumps(value)))
            printed += 1
    return OK


def _inspect(args):
    path = _files.region_path(args.tag, args.dir)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except FileNotFoundError:
        raise RegionNotFoundError("no region '%s' in %s" % (args.tag, os.path.dirname(path))) from None
    try:
        size = os.fstat(fd).st_size
        raw = os.pread(fd, HEADER_LENGTH, 0)
        rows = [("file", path), ("fileSize", size)]
        if len(raw) >= 8:
            rows.append(("magic", raw[:8].decode("ascii", "replace")))
        if len(raw) == HEADER_LENGTH and raw[:8] == MAGIC:
            h = Header(raw)
            rows += [("formatVersion", h.format_version), ("headerLength", h.header_length),
                     ("slotCapacity", h.slot_capacity), ("fileLength", h.file_length),
                     ("flags", "%d%s" % (h.flags, " (SUPERSEDED)" if h.superseded else "")),
                     ("notify", h.notify), ("masterPid", h.master_pid),
                     ("masterAlive", str(_proc.is_alive(h.master_pid, h.master_start)).lower()),
                     ("masterStart", _iso(h.master_start * 1_000_000)), ("generation", h.generation),
                     ("committed", h.committed), ("created", _iso(h.created * 1_000_000))]
        _print_rows(rows)
        header = validate_header(raw, size, "'%s' (%s)" % (args.tag, path))
        for index in (0, 1):
            base = slot_offset(header.slot_capacity, index)
            seq = int.from_bytes(os.pread(fd, 8, base), "little")
            version, length, ctype, ptime, crc = SLOT_FIELDS_STRUCT.unpack(os.pread(fd, SLOT_FIELDS_STRUCT.size, base + 8))
            rows = [("slot", index), ("  seq", "%d%s" % (seq, " (being written)" if seq & 1 else "")),
                    ("  version", version), ("  length", length),
                    ("  contentType", ContentType(ctype).name.lower() if ctype <= 2 else ctype),
                    ("  publishTime", _iso(ptime)), ("  crc32", "%08x" % crc)]
            if length <= header.slot_capacity:
                ok = zlib.crc32(os.pread(fd, length, base + SLOT_HEADER_LENGTH)) == crc
                rows.append(("  crcCheck", "ok" if ok else "MISMATCH (or written meanwhile)"))
            _print_rows(rows)
    finally:
        os.close(fd)
    return OK


def _print_rows(rows):
    for name, value in rows:
        _out("%-15s %s" % (name, value))


def _iso(ns):
    if ns <= 0:
        return "-"
    return datetime.datetime.fromtimestamp(ns / 1e9, datetime.timezone.utc).isoformat(
        timespec="milliseconds").replace("+00:00", "Z")


if __name__ == "__main__":
    sys.exit(main())
