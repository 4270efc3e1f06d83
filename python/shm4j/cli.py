"""``shm4j-py`` (or ``python3 -m shm4j``) ``ls|rm|dump|get|put|watch|serve|inspect|followers``: the Java
CLI's region and object commands in Python, with the same options, output and exit codes (the
Java ``io.shm4j.cli.ExitCodes``):

0 success, 1 internal error, 2 usage, 3 not found (region, version, --pointer value, file),
4 invalid input (tag, JSON, a payload its content type cannot decode, over the size limit),
5 another master holds the region, 6 corrupt region (or its file shrank under the command),
7 I/O error, 8 busy (no whole snapshot within the retry bound), 9 not seen (``put --await-seen``:
published, but some live followers had not read it in time), 130 interrupted.
"""
import argparse
import json
import logging
import math
import os
import re
import sys
import threading
import time

from . import __version__, _files, _jsonsyntax, _proc, _regions, _sleepers
from ._format import ContentType, file_length
from ._jsontext import dumps
from .errors import (ConsistencyError, CorruptRegionError, InvalidObjectError, InvalidTagError,
                     MasterConflictError, ObjectTooLargeError, RegionNotFoundError, RegionShrunkError)
from .follower import Follower, _not_found
from .master import DEFAULT_MAX_OBJECT_SIZE, Master

OK, SOFTWARE, USAGE, NOT_FOUND, INVALID_INPUT, MASTER_CONFLICT, CORRUPT_REGION, IO_ERROR, BUSY, NOT_SEEN = range(10)
INTERRUPTED = 130

_EXIT_CODES = ((RegionNotFoundError, NOT_FOUND), (FileNotFoundError, NOT_FOUND),
               (InvalidTagError, INVALID_INPUT), (InvalidObjectError, INVALID_INPUT),
               (ObjectTooLargeError, INVALID_INPUT), (MasterConflictError, MASTER_CONFLICT),
               (CorruptRegionError, CORRUPT_REGION), (RegionShrunkError, CORRUPT_REGION), (OSError, IO_ERROR),
               (ConsistencyError, BUSY))


class CommandError(Exception):
    """A failure with its exit code and one-line message."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        if message.startswith("argument COMMAND: invalid choice: "):  # as the Java CLI words it
            unknown = message.split("'")[1]
            message = "unknown command '%s'; did you mean '%s'?" % (unknown, min(
                _COMMANDS, key=lambda c: _edit_distance(unknown, c)))
        raise _UsageError("%s (see '%s --help')" % (message, self.prog))


class _UsageError(Exception):
    """A bad command line: exit 2 with this one line."""


_COMMANDS = ("help", "ls", "rm", "dump", "get", "followers", "put", "watch", "serve", "inspect")  # in help order, as Java's


def _edit_distance(a, b):
    """Levenshtein distance (the Java CLI's Main.editDistance)."""
    row = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        diagonal, row[0] = row[0], i
        for j in range(1, len(b) + 1):
            diagonal, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] != b[j - 1]))
    return row[len(b)]


def _prog():
    """How the user ran this: ``shm4j-py`` (the installed script), else ``python3 -m shm4j``."""
    name = os.path.basename(sys.argv[0]) if sys.argv and sys.argv[0] else ""
    return name if name and not name.endswith(".py") and name != "-c" else "python3 -m shm4j"


def _usage(message):
    print("shm4j: " + message, file=sys.stderr)
    return USAGE


class _LogLine(logging.Formatter):
    """The library's log records as the Java CLI's LogLines prints them: ``shm4j: warning: ...``,
    one line; notices (INFO and below) and a record's traceback only with --verbose."""
    verbose = False

    def format(self, record):
        text = record.getMessage()
        # Some of the library's messages name shm4j themselves, for a log of another program's.
        text = text[len("shm4j: "):] if text.startswith("shm4j: ") else text
        line = "shm4j: %s: %s" % (record.levelname.lower(), text.replace("\n", " "))
        return line + "\n" + self.formatException(record.exc_info) if self.verbose and record.exc_info else line


_LOG_LINES = logging.StreamHandler()
_LOG_LINES.setFormatter(_LogLine())


def _log_lines(verbose):
    """Sends the library's logger (``shm4j``) to stderr as _LogLine lines, for this command."""
    log = logging.getLogger("shm4j")
    _LOG_LINES.setStream(sys.stderr)
    _LOG_LINES.formatter.verbose = verbose
    log.setLevel(logging.DEBUG if verbose else logging.WARNING)
    log.propagate = False  # not also the root logger's lines, in a program that configured one
    if _LOG_LINES not in log.handlers:
        log.addHandler(_LOG_LINES)


def main(argv=None):
    parser = _parser()
    try:
        args = parser.parse_args(argv)
        _check_usage(args)
    except _UsageError as e:
        return _usage(str(e))
    except SystemExit as e:  # --help, --version
        return e.code if isinstance(e.code, int) else OK
    args.dir = getattr(args, "dir", None)
    args.verbose = getattr(args, "verbose", False)
    _log_lines(args.verbose)
    try:
        return args.command(args)
    except KeyboardInterrupt:
        return INTERRUPTED
    except BrokenPipeError:
        return OK
    except _UsageError as e:
        return _usage(str(e))
    except Exception as e:  # every failure: one line on stderr and a documented code
        code = e.code if isinstance(e, CommandError) else next(
            (c for kind, c in _EXIT_CODES if isinstance(e, kind)), SOFTWARE)
        message = str(e).replace("\n", " ") or type(e).__name__
        if code == SOFTWARE:
            message = "internal error (%s): %s%s" % (type(e).__name__, message,
                                                     "" if args.verbose else "; rerun with --verbose for details")
        print("shm4j: " + message, file=sys.stderr)
        if args.verbose:
            import traceback
            traceback.print_exception(type(e), e, e.__traceback__)
        return code


def _check_usage(args):
    """Options that exclude each other, and malformed values: exit 2 naming them, as the Java CLI."""
    name = getattr(args, "name", None)
    if name == "get":
        if args.meta and args.pointer is not None:
            raise _UsageError("--meta and --pointer cannot be combined; --meta describes the whole version: drop one "
                              "(see '%s get --help')" % _prog())
        if args.meta and args.raw:
            raise _UsageError("--meta and --raw cannot be combined; --meta prints JSON: drop one (see '%s get --help')"
                              % _prog())
        if args.pointer and not args.pointer.startswith("/"):
            raise _UsageError("invalid --pointer '%s': a JSON pointer starts with '/', e.g. --pointer /%s "
                              "(see '%s get --help')" % (args.pointer, args.pointer, _prog()))
    if name == "put" and args.file is not None and args.json is not None:
        raise _UsageError("--file and %s cannot be combined; give the value one way (see '%s put --help')"
                          % ("'-' (standard input)" if args.json == "-" else "a JSON argument", _prog()))
    if name in ("put", "serve"):
        if args.max_size is not None and args.max_size < 0:
            raise _UsageError("--max-size must be >= 0 bytes, got %d (see '%s %s --help')" % (args.max_size, _prog(), name))
        if args.mode is not None and args.mode not in _MODES:
            raise _UsageError("--mode must be 0600, 0640 or 0660, got '%s' (see '%s %s --help')" % (args.mode, _prog(), name))
    if name == "watch" and args.count is not None and args.count < 0:
        raise _UsageError("--count must be >= 0, got %d (see '%s watch --help')" % (args.count, _prog()))
    if name == "dump":  # no region has a negative offset or length; past this one's end is input (4)
        for option, value in (("--offset", args.offset), ("--length", args.length)):
            if value is not None and value < 0:
                raise _UsageError("%s must be >= 0, got %d (see '%s dump --help')" % (option, value, _prog()))


_MODES = {"0600": _files.OWNER_ONLY, "600": _files.OWNER_ONLY, "0640": _files.GROUP_READ, "640": _files.GROUP_READ,
          "0660": _files.GROUP_WRITE, "660": _files.GROUP_WRITE}


def _parser():
    common = _Parser(add_help=False)
    # SUPPRESS: an option given before the command is not reset by the command's own default.
    common.add_argument("--dir", default=argparse.SUPPRESS,
                        help="region directory (default: $SHM4J_DIR, else /dev/shm/shm4j)")
    common.add_argument("--verbose", action="store_true", default=argparse.SUPPRESS,
                        help="on errors, print the stack trace too; print the library's notices")
    prog = _prog()
    p = _Parser(prog=prog, parents=[common],
                description="Processes on one host share live data through memory-mapped shared memory.",
                epilog="'%s help COMMAND' or '%s COMMAND --help': a command's options. The exit codes and "
                       "the rules for JSON are in the package's README (shm4j/README.md; python -m pydoc "
                       "shm4j.cli)." % (prog, prog))
    p.add_argument("-V", "--version", action="version",
                   version="shm4j %s (Python %s)" % (__version__, ".".join(map(str, sys.version_info[:3]))))
    sub = p.add_subparsers(dest="name", required=True, metavar="COMMAND", parser_class=_Parser)

    h = sub.add_parser("help", parents=[common], help="show the help of a command")
    h.add_argument("topic", nargs="?", metavar="COMMAND")
    h.set_defaults(command=lambda args: _help(p, sub, args))

    ls = sub.add_parser("ls", parents=[common], help="list the regions: tag, size, kind, version, last modified")
    ls.add_argument("--json", action="store_true", help="one JSON array of {tag, size, kind, version, modified}")
    ls.set_defaults(command=_ls)

    rm = sub.add_parser("rm", parents=[common], help="remove regions and their helper files TAG~*")
    rm.add_argument("tags", nargs="+", metavar="TAG")
    rm.add_argument("-f", "--force", action="store_true", help="a missing region is not an error")
    rm.set_defaults(command=_rm)

    dm = sub.add_parser("dump", parents=[common], help="print a region's bytes in hex and ASCII, like xxd")
    dm.add_argument("tag", metavar="TAG")
    dm.add_argument("--offset", type=int, default=0, metavar="N", help="first byte to print (default: 0)")
    dm.add_argument("--length", type=int, metavar="N", help="bytes to print (default: to the end)")
    dm.set_defaults(command=_dump)

    g = sub.add_parser("get", parents=[common], help="print the current version as JSON")
    g.add_argument("tag", metavar="TAG")
    g.add_argument("--pointer", metavar="P", help="print only the value at this JSON pointer, e.g. /db/host")
    g.add_argument("--pretty", action="store_true", help="indent the JSON")
    g.add_argument("--raw", action="store_true", help="print a JSON string without quotes or escapes, as jq -r")
    g.add_argument("--meta", action="store_true",
                   help="print version, size, content type, publish time and master pid/alive instead")
    g.add_argument("--wait", type=_duration, metavar="D",
                   help="wait up to D (e.g. 10s) for the region to be created and to hold a version")
    g.set_defaults(command=_get)

    fl = sub.add_parser("followers", parents=[common], help="list the followers registered for a tag")
    fl.add_argument("tag", metavar="TAG")
    fl.add_argument("--json", action="store_true", help="one JSON array instead of the table")
    fl.set_defaults(command=_followers)

    master_options = _Parser(add_help=False)
    master_options.add_argument("--max-size", type=int, metavar="BYTES",
                                help="largest value accepted, in bytes (default: 64 MiB)")
    master_options.add_argument("--mode", metavar="MODE", help="permissions of a region this command creates: "
                                "0600 (default: owner only), 0640 (group reads), 0660 (group reads and writes)")

    u = sub.add_parser("put", parents=[common, master_options], help="publish a JSON value, as the master for a moment")
    u.add_argument("tag", metavar="TAG")
    u.add_argument("json", nargs="?", metavar="JSON", help="the value; '-' or nothing reads standard input")
    u.add_argument("--file", metavar="F", help="read the value from this file")
    u.add_argument("--await-seen", type=_duration, metavar="D", dest="await_seen",
                   help="after publishing, wait up to D until every live registered follower has read the "
                        "version; exit 9 naming those that had not")
    u.set_defaults(command=_put)

    w = sub.add_parser("watch", parents=[common], help="print each new version of the tags as one JSON line "
                                                       "(a tag that does not exist yet is waited for)")
    w.add_argument("tags", nargs="+", metavar="TAG")
    w.add_argument("--count", type=int, metavar="N", help="stop after N lines (default: until interrupted)")
    w.add_argument("--strategy", choices=sorted(_WAITS), default="block",
                   help="block (default): sleep in the kernel between versions, woken by the master's publish; "
                        "spin: busy-poll a core; backoff: poll with pauses up to 1 ms")
    w.set_defaults(command=_watch)

    sv = sub.add_parser("serve", parents=[common, master_options],
                        help="be the master: publish a JSON file and republish it on every change")
    sv.add_argument("tag", metavar="TAG")
    sv.add_argument("--file", required=True, metavar="F", help="the JSON file to publish")
    sv.set_defaults(command=_serve)

    i = sub.add_parser("inspect", parents=[common], help="show the header and both slots as stored")
    i.add_argument("tag", metavar="TAG")
    i.set_defaults(command=_inspect)

    return p


def _help(parser, sub, args):
    if args.topic is None:
        parser.print_help()
    elif args.topic in sub.choices:
        sub.choices[args.topic].print_help()
    else:
        parser.error("argument COMMAND: invalid choice: '%s'" % args.topic)
    return OK


def _duration(text):
    """The CLI's durations, as Java's DurationConverter: a whole number and ms, s, m or h; seconds."""
    m = re.fullmatch(r"(\d{1,9})(ms|s|m|h)", text)
    if not m:
        raise argparse.ArgumentTypeError("'%s' is not a duration: a whole number and a unit, ms, s, m or h "
                                         "(e.g. 10s)" % text)
    return int(m.group(1)) * {"ms": 0.001, "s": 1, "m": 60, "h": 3600}[m.group(2)]


def _out(text):
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def _get(args):
    start = time.monotonic()
    with Follower(args.tag, args.dir, wait=args.wait) as f:
        snap = f.snapshot()
        if snap is None and args.wait is not None and f.wait_newer(0, max(0.0, args.wait - (time.monotonic() - start))):
            snap = f.snapshot()
        if args.meta:
            _out(dumps(_meta(f, snap), args.pretty))
            return OK
        if snap is None:
            raise CommandError(NOT_FOUND, "region %s has no version yet; publish one with `shm4j put %s JSON`"
                               % (args.tag, args.tag))
        if snap.content_type != ContentType.JSON:
            if args.pointer is not None:
                raise CommandError(INVALID_INPUT, "region %s holds %s content, not JSON; drop --pointer"
                                   % (args.tag, snap.content_type.name))
            _out(_plain(snap, "region %s version %d" % (args.tag, snap.version)))
            return OK
        value = _json(snap, "region %s version %d" % (args.tag, snap.version))
        if args.pointer is not None:
            value = _at_pointer(value, args.pointer, args.tag, snap.version)
        _out(value if args.raw and isinstance(value, str) else dumps(value, args.pretty))
    return OK


def _meta(f, snap):
    meta = {"tag": f.tag, "version": 0 if snap is None else snap.version}
    if snap is not None:
        meta.update(size=len(snap.data), contentType=snap.content_type.name,
                    published=_instant(snap.publish_time_ns),
                    ageMillis=(time.time_ns() - snap.publish_time_ns) // 1_000_000)
    h = f.header()
    meta.update(masterPid=h.master_pid, masterAlive=_proc.is_alive(h.master_pid, h.master_start),
                generation=h.generation, file=f.path)
    return meta


def _plain(snap, source):
    """TEXT as text, RAW as hex, as the Java CLI prints non-JSON content; TEXT that is not UTF-8
    (FORMAT.md) is refused, as Java's JsonInput.publishedText refuses it."""
    if snap.content_type != ContentType.TEXT:
        return snap.data.hex()
    try:
        return snap.data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise CommandError(INVALID_INPUT, "%s is not valid UTF-8 text; its master must publish a valid value"
                           % source) from e


def _json(snap, source):
    """The payload as Java's JsonInput.published reads it: strict UTF-8 (FORMAT.md), then JSON
    within Jackson's limits; the message says where the text breaks the grammar (_jsonsyntax),
    the parser's own error is only the cause (shown by --verbose)."""
    outcome = "its master must publish a valid value"
    try:
        text = snap.data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise CommandError(INVALID_INPUT, "%s is not UTF-8 text (JSON is UTF-8); %s" % (source, outcome)) from e
    try:
        return _refused(_strict(text), numbers=False)
    except (ValueError, RecursionError) as e:
        raise CommandError(INVALID_INPUT, _invalid(source, text, outcome)) from e


def _invalid(source, text, outcome):
    """Why ``text`` from ``source`` was refused, as Java's JsonInput.invalid words it."""
    syntax = _jsonsyntax.error(text)
    return "%s%s; %s" % (source, " is not valid JSON: " + syntax if syntax else
                         " exceeds the JSON limits (at most 500 nested arrays and objects, numbers of at most 1000 "
                         "digits and within a double's range, member names of at most 50000 characters, no "
                         "unpaired surrogate)", outcome)


def _strict(text):
    """``text`` parsed as Jackson parses it for the Java CLI: RFC 8259 within Jackson's limits."""
    value = _STRICT_JSON(text)
    if _depth(value) > _MAX_DEPTH:
        raise ValueError("nested deeper than %d" % _MAX_DEPTH)
    return value


# The Java CLI's parser, Jackson, refuses more than these (its StreamReadConstraints defaults).
_MAX_DEPTH = 500  # arrays and objects open at once
_MAX_NUMBER_DIGITS = 1000  # digits of a number: integer, fraction and exponent, as Jackson counts them
_MAX_NAME_LENGTH = 50_000  # UTF-16 units of a member name (a Java String's length)


def _no_constant(name):
    raise ValueError("%s is not JSON (RFC 8259)" % name)


def _number(kind):
    def parse(token):
        if sum(c.isdigit() for c in token) > _MAX_NUMBER_DIGITS:
            raise ValueError("a number of more than %d digits" % _MAX_NUMBER_DIGITS)
        return kind(token)
    return parse


def _members(pairs):
    for name, _ in pairs:
        if len(name.encode("utf-16-le", "surrogatepass")) // 2 > _MAX_NAME_LENGTH:
            raise ValueError("a member name of more than %d characters" % _MAX_NAME_LENGTH)
    return dict(pairs)


def _depth(value):
    """How many arrays and objects are open at the deepest point of ``value``."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        v, depth = stack.pop()
        if isinstance(v, (dict, list)):
            deepest = max(deepest, depth)
            stack.extend((item, depth + 1) for item in (v.values() if isinstance(v, dict) else v))
    return deepest


# json.loads as strict as Jackson: no NaN, Infinity or -Infinity, and Jackson's limits.
_STRICT_JSON = json.JSONDecoder(parse_float=_number(float), parse_int=_number(int), parse_constant=_no_constant,
                                object_pairs_hook=_members).decode


def _at_pointer(value, pointer, tag, version):
    """RFC 6901: "" is the whole value, "/a/0" a member then an element; "~1" is "/", "~0" "~"."""
    for token in pointer.split("/")[1:]:
        token = token.replace("~1", "/").replace("~0", "~")
        if isinstance(value, dict) and token in value:
            value = value[token]
        elif (isinstance(value, list) and token.isdigit() and (token == "0" or token[0] != "0")
              and int(token) < len(value)):
            value = value[int(token)]
        else:
            raise CommandError(NOT_FOUND, "no value at %s in region %s version %d" % (pointer, tag, version))
    return value


def _put(args):
    """As Java's PutCommand: strict UTF-8 JSON within Jackson's limits, published as the bytes
    Jackson writes (so that get --meta's size and inspect's crc32 agree too)."""
    if args.file is not None:
        data, source = _read_file(args.file), args.file
    elif args.json is None or args.json == "-":
        if sys.stdin.isatty():
            print("shm4j: reading the JSON value for %s from standard input; end it with Ctrl-D (Ctrl-C cancels)"
                  % args.tag, file=sys.stderr)
        data, source = sys.stdin.buffer.read(), "standard input"
    else:
        data, source = None, "the JSON argument"
    payload = _parse_input(args.json if data is None else data, source, "nothing was published")
    with _master(args) as m:
        version = _publish(m, args.tag, payload)
        _out("published %s version %d" % (args.tag, version))
        late = [] if args.await_seen is None else m.await_seen(version, args.await_seen)
    if late:  # worded as Java's NotSeenException
        raise CommandError(NOT_SEEN, "region %s version %d was published, but %d live follower(s) had not read it "
                           "after %d ms: %s; see 'shm4j followers %s'" % (
                               args.tag, version, len(late), round(args.await_seen * 1000), ", ".join(
                                   "pid %d (%s%s, at version %d, %s)" % (
                                       f["pid"], f["language"], " " + f["name"] if f["name"] else "",
                                       f["version_seen"], f["waiting"]) for f in late), args.tag))
    return OK


def _read_file(path):
    """The bytes of the file ``path`` put or serve publishes; CommandError worded as Java's JsonInput.read."""
    try:
        with open(path, "rb") as fh:
            return fh.read()
    except FileNotFoundError:
        raise CommandError(NOT_FOUND, "%s: no such file; nothing was published" % path) from None
    except PermissionError:
        raise CommandError(IO_ERROR, "%s: no read permission on it; nothing was published" % path) from None
    except OSError as e:  # e.g. a directory
        raise CommandError(IO_ERROR, "%s: cannot read it (%s); nothing was published" % (path, e.strerror)) from None


def _parse_input(data, source, outcome):
    """``data`` (bytes, or the argument's str) as the JSON payload put and serve publish, else
    CommandError(4) worded as Java's JsonInput.parse."""
    try:
        text = data if isinstance(data, str) else data.decode("utf-8")
    except UnicodeDecodeError:
        raise CommandError(INVALID_INPUT, "%s is not UTF-8 text (JSON is UTF-8); %s" % (source, outcome)) from None
    if not text.strip(" \t\n\r"):  # JSON's white space only, as Jackson skips
        raise CommandError(INVALID_INPUT, "%s is empty, not a JSON value; %s" % (source, outcome))
    try:
        return dumps(_refused(_strict(text), numbers=True)).encode("utf-8")
    except (ValueError, RecursionError) as e:
        raise CommandError(INVALID_INPUT, _invalid(source, text, outcome)) from e


def _master(args):
    """The Master of put and serve, with their --max-size and --mode; a refusal worded as Java's."""
    try:
        return Master(args.tag, args.dir, DEFAULT_MAX_OBJECT_SIZE if args.max_size is None else args.max_size,
                      _MODES[args.mode or "0600"])
    except MasterConflictError as e:  # worded as Java's MasterConflictException
        raise CommandError(MASTER_CONFLICT, "region %s already has a master (pid %d); stop that process first, "
                           "or open a follower to read" % (args.tag, e.holder_pid)) from e


def _publish(master, tag, payload):
    try:
        return master.publish_bytes(payload, ContentType.JSON)
    except ObjectTooLargeError as e:  # worded as Java's CLI words ObjectTooLargeException
        raise CommandError(INVALID_INPUT, "object for region %s is %d bytes, over the limit of %d bytes; nothing "
                           "was published (raise the limit with --max-size BYTES or publish less)"
                           % (tag, len(payload), master.max_object_size)) from e


def _serve(args):
    """As Java's ServeCommand: publish the file, then republish it whenever its modification time
    changes (polled), until interrupted; a file that is invalid, cannot be read or looked up is
    reported and the last good version stays."""
    path = os.path.abspath(args.file)
    published = _modified(path)
    payload = _parse_input(_read_file(path), path, "nothing was published")
    with _master(args) as m:
        _out("serving %s as %s: version %d" % (path, args.tag, _publish(m, args.tag, payload)))
        current = payload
        lookup_failed = False  # said once, not at every poll
        while True:
            time.sleep(0.2)
            try:
                now = _modified(path)
            except CommandError as e:
                if not lookup_failed:
                    _stays_published(e, m)
                lookup_failed = True
                continue
            lookup_failed = False
            if now is None or now == published:
                continue
            published = now
            time.sleep(0.02)  # let a writer finish; the next poll catches the rest
            try:
                payload = _parse_input(_read_file(path), path, "version %d stays published" % m.version)
                if payload != current:
                    _out("version %d" % _publish(m, args.tag, payload))
                    current = payload
            except (CommandError, OSError) as e:
                _stays_published(e, m)


def _stays_published(error, master):
    """serve's line for a version it could not publish: the last good one stays."""
    print("shm4j: " + str(error).replace("nothing was published", "version %d stays published" % master.version),
          file=sys.stderr)
    sys.stderr.flush()


def _modified(path):
    try:
        return os.stat(path).st_mtime_ns
    except FileNotFoundError:
        return None  # between an editor's delete and rename: wait for the new file
    except PermissionError:
        raise CommandError(IO_ERROR, "%s: cannot watch it: no permission to look it up (its directory %s must be "
                                     "searchable); nothing was published" % (path, os.path.dirname(path))) from None


def _ls(args):
    """As Java's LsCommand: tag, size, kind, version, last publish (raw: the file's mtime)."""
    entries = _regions.list_regions(args.dir)
    kinds = {"object": "object", "damaged object": "object (damaged)", "raw": "raw"}
    if args.json:
        _out("[" + ",".join('{"tag":%s,"size":%d,"kind":%s,"version":%s,"modified":%s}' % (
            dumps(r["tag"]), r["size"], dumps(kinds[r["kind"]]), r["version"] if r["kind"] == "object" else "null",
            "null" if r["modified_ns"] is None else dumps(_instant(r["modified_ns"]))) for r in entries) + "]")
        return OK
    if not entries:
        _out("no regions in %s" % _files.directory(args.dir))
        return OK
    row = "%-30s %12s  %-16s %8s  %s"
    _out(row % ("TAG", "SIZE", "KIND", "VERSION", "MODIFIED"))
    for r in entries:
        ns = r["modified_ns"]
        _out(row % (r["tag"], r["size"], kinds[r["kind"]], r["version"] if r["kind"] == "object" else "-",
                    "-" if ns is None else time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(ns // 1_000_000_000))))
    return OK


def _rm(args):
    """As Java's RmCommand: every tag validated first, then each region and its TAG~* helpers removed."""
    for tag in args.tags:
        _files.validate_tag(tag)
    dir_ = _files.directory(args.dir)
    missing = []
    for tag in args.tags:
        if _regions.remove(dir_, tag):
            _out("removed %s" % tag)
        else:
            missing.append(tag)
    if missing and not args.force:
        raise CommandError(NOT_FOUND, "no region %s in %s%s; see 'shm4j ls'" % (
            ", ".join(missing), dir_, " (the others were removed)" if len(missing) < len(args.tags) else ""))
    return OK


def _dump(args):
    """As Java's DumpCommand: xxd's format, 16 bytes a line; the file is only read."""
    path = _files.region_path(args.tag, args.dir)
    try:
        fd = _files.open_regular(path, False, "region " + args.tag)  # no link followed, no FIFO waited on
    except FileNotFoundError:
        raise RegionNotFoundError(_not_found(args.tag, path)) from None
    with os.fdopen(fd, "rb") as fh:
        data = fh.read()
    if args.offset > len(data):
        raise CommandError(INVALID_INPUT, "--offset %d is outside region %s (0..%d)" % (args.offset, args.tag, len(data)))
    end = len(data) if args.length is None else min(len(data), args.offset + args.length)
    for at in range(args.offset, end, 16):
        chunk = data[at:min(at + 16, end)]
        hexed = " ".join(chunk[i:i + 2].hex().ljust(4) for i in range(0, 16, 2))
        _out("%08x: %s  %s" % (at, hexed, "".join(chr(b) if 0x20 <= b < 0x7f else "." for b in chunk)))
    return OK


def _refused(value, numbers):
    """``value``, else ValueError, as Java's JsonInput.refused checks: no string with an unpaired
    surrogate escape (UTF-8 cannot hold it) and, with ``numbers`` (put), no number beyond a
    double's range (it would be published as the string "Infinity")."""
    stack = [value]
    while stack:
        v = stack.pop()
        if numbers and isinstance(v, float) and math.isinf(v):
            raise ValueError("a number beyond the range of a double")
        if isinstance(v, dict):
            stack.extend(v)
            stack.extend(v.values())
        elif isinstance(v, list):
            stack.extend(v)
        elif isinstance(v, str):
            v.encode("utf-8")  # UnicodeEncodeError for an unpaired surrogate
    return value


def _wait_spinning(follower, version):
    while not follower.has_newer(version):
        pass


def _wait_backing_off(follower, version):
    pause = 1e-6
    while not follower.has_newer(version):
        time.sleep(pause)
        pause = min(pause * 2, 1e-3)


# watch --strategy, as the Java CLI's (docs/CLI.md): how to wait for a version newer than the last.
_WAITS = {"block": lambda follower, version: follower.wait_newer(version),
          "spin": _wait_spinning, "backoff": _wait_backing_off}


def _watch(args):
    for tag in args.tags:
        _files.validate_tag(tag)
    if args.count == 0:
        return OK  # no line wanted: a tag not created yet would be waited for, for ever
    wait = _WAITS[args.strategy]
    printed = [0]
    lock = threading.Lock()
    done = threading.Event()
    failure = []

    def watch(tag):
        try:
            with Follower(tag, args.dir, wait=float("inf")) as f:  # its master may start later
                seen = 0
                while not done.is_set():
                    snap = f.snapshot()
                    if snap is None or snap.version <= seen:
                        wait(f, seen)
                        continue
                    seen = snap.version
                    source = "version %d" % snap.version
                    value = _json(snap, source) if snap.content_type == ContentType.JSON else _plain(snap, source)
                    with lock:
                        if args.count is not None and printed[0] >= args.count:
                            break
                        _out('{"tag":"%s","version":%d,"value":%s}' % (tag, snap.version, dumps(value)))
                        printed[0] += 1
                    if args.count is not None and printed[0] >= args.count:
                        break
        except BaseException as e:  # the first failure ends the command with that tag's error
            failure.append(e)
        done.set()

    if len(args.tags) == 1:
        watch(args.tags[0])
    else:
        for tag in args.tags:
            threading.Thread(target=watch, args=(tag,), daemon=True).start()
        done.wait()
    if failure:
        raise failure[0]
    return OK


def _followers(args):
    followers = _regions.followers(args.tag, args.dir)
    if args.json:
        _out(dumps([_follower_json(f) for f in followers]))
    else:
        _followers_table(followers)
    return OK


def _follower_json(f):
    """The fields and order of Java's FollowersCommand --json."""
    return {"pid": f["pid"], "alive": f["alive"], "language": f["language"], "name": f["name"],
            "registered": _instant(f["registered_ms"] * 1_000_000), "versionSeen": f["version_seen"],
            "seenAt": None if f["seen_at_ms"] is None else _instant(f["seen_at_ms"] * 1_000_000),
            "lagVersions": f["lag_versions"], "lagMillis": f["lag_ms"], "waiting": f["waiting"]}


def _followers_table(followers):
    """The table of Java's FollowersCommand (followers and inspect)."""
    if not followers:
        _out("no registered followers")
        return
    row = "%-8s %-6s %-8s %-20s %10s %6s %10s  %-9s %s"
    _out(row % ("PID", "ALIVE", "LANGUAGE", "NAME", "SEEN", "LAG", "LAG TIME", "WAITING", "SEEN AT"))
    for f in followers:
        lag = f["lag_ms"]
        _out(row % (f["pid"], "yes" if f["alive"] else "dead", f["language"], f["name"] or "-", f["version_seen"],
                    f["lag_versions"], "%d ms" % lag if lag < 1000 else "%.1f s" % (lag / 1000),
                    f["waiting"], "-" if f["seen_at_ms"] is None else _instant(f["seen_at_ms"] * 1_000_000)))


def _inspect(args):
    with Follower(args.tag, args.dir, register=False) as f:
        h = f.header()
        committed = h.committed
        _out("region        %s (%s)" % (args.tag, f.path))
        _out("format        version %d, header %d bytes, slot capacity %d bytes, file %d bytes"
             % (h.format_version, h.header_length, h.slot_capacity, file_length(h.slot_capacity)))
        _out("created       %s" % _instant(h.created * 1_000_000))
        _out("committed     %d (slot %d)" % (committed, committed & 1))
        _out("flags         %s" % ("SUPERSEDED" if h.superseded else "-"))
        _out("notify        %d" % h.notify)
        sleepers = _sleepers.peek_count(f.path)
        _out("old sleepers  %s" % (sleepers if sleepers is not None else
                                   "unknown (no usable %s)" % os.path.basename(_sleepers.path_of(f.path))))
        _out("generation    %d" % h.generation)
        _out("master        pid %d, started %s, %s" % (
            h.master_pid, "?" if h.master_start == 0 else _instant(h.master_start * 1_000_000),
            "alive" if _proc.is_alive(h.master_pid, h.master_start) else "not running"))
        for index in (0, 1):
            s = f.slot_fields(index)
            status = ("" if s.version == 0 else "(length beyond the slot!)" if s.crc_ok is None
                      else "(ok)" if s.crc_ok else "(MISMATCH)")
            _out("slot %d        seq %d%s, version %d, length %d, %s, published %s, crc32 %08x %s" % (
                index, s.seq, " (being written, or its writer died)" if s.seq & 1 else "", s.version,
                s.length, ContentType(s.content_type).name if s.content_type <= 2 else
                "content type %d?" % s.content_type, "-" if s.version == 0 else _instant(s.publish_time_ns),
                s.crc32, status))
    _out("followers")
    _followers_table(_regions.followers(args.tag, args.dir))
    return OK


def _instant(ns):
    """``java.time.Instant.toString()``: UTC, seconds, then 0, 3, 6 or 9 fraction digits; years
    past 9999 as +YYYYY, before year 0 as -YYYY. Integer arithmetic (the civil calendar from
    days, proleptic Gregorian): a damaged time field lies far outside datetime's years 1-9999."""
    seconds, nanos = divmod(ns, 1_000_000_000)
    days, second = divmod(seconds, 86400)
    era, day_of_era = divmod(days + 719468, 146097)  # eras of 400 years from 0000-03-01
    year_of_era = (day_of_era - day_of_era // 1460 + day_of_era // 36524 - day_of_era // 146096) // 365
    day_of_year = day_of_era - (365 * year_of_era + year_of_era // 4 - year_of_era // 100)  # from March 1
    month = (5 * day_of_year + 2) // 153  # 0 = March
    day = day_of_year - (153 * month + 2) // 5 + 1
    month = month + 3 if month < 10 else month - 9
    year = era * 400 + year_of_era + (month <= 2)
    text = "%s-%02d-%02dT%02d:%02d:%02d" % ("+%d" % year if year > 9999 else "%04d" % year if year >= 0
                                            else "-%04d" % -year, month, day, second // 3600,
                                            second // 60 % 60, second % 60)
    if nanos:
        fraction = "%09d" % nanos
        while fraction.endswith("000"):
            fraction = fraction[:-3]
        text += "." + fraction
    return text + "Z"

if __name__ == "__main__":
    sys.exit(main())
