"""The follower: reads the newest whole snapshot a master published (docs/FORMAT.md 5.2)."""
import json
import os
import time
import zlib
from typing import NamedTuple

from ._closeable import Closeable
from . import _files, _futex, _registry, _sleepers
from . import _regionfile as rf
from ._format import (COMMITTED_QWORD, FLAGS_WORD, FLAG_SUPERSEDED, HEADER_LENGTH, NOTIFY_WORD,
                      SLOT_FIELDS_STRUCT, SLOT_HEADER_LENGTH, ContentType, Header, SlotFields, region_name)
from .errors import (ConsistencyError, CorruptRegionError, InvalidObjectError,
                     RegionNotFoundError, Shm4jError)

_SHRUNK_NEXT = ("nothing was read from it. A master moves the region to a new file on its next publish, "
                "and this follower follows it then")

MAX_SECONDS = 5.0  # how long a read retries before ConsistencyError (FORMAT.md 5.2)
_SUPERSEDED_POLL = 0.01


class Snapshot(NamedTuple):
    """One whole published version: its number, publish time (ns since the epoch), content
    type and payload bytes (a private copy)."""
    version: int
    publish_time_ns: int
    content_type: ContentType
    data: bytes

    def value(self):
        """The payload decoded by content type: JSON -> Python object, TEXT -> str, RAW -> bytes."""
        return _decode(self.content_type, self.data)


def open_region_file(tag, path):
    """Opens ``path`` read-only and maps it (or joins this process's entry for that file)."""
    region = region_name(tag, path)
    with rf.LOCK:
        try:
            key = rf.key_of(os.lstat(path))  # a link's own: never a file this process has open
        except FileNotFoundError:
            raise RegionNotFoundError(_not_found(tag, path)) from None
        except OSError:
            key = None  # e.g. the directory is a file: open_regular says what is wrong
        entry = rf.lookup(key)
        if entry is not None:
            return rf.acquire(entry)
        try:
            fd = _files.open_regular(path, False, "region " + tag, denied=(
                "no read permission on region %s: run as its owner or have the master create it "
                "with a group-readable mode" % region))
        except FileNotFoundError:
            raise RegionNotFoundError(_not_found(tag, path)) from None
        key = rf.key_of(os.fstat(fd))
        try:
            return rf.open_existing(fd, key, tag, path, writable=False)
        except BaseException:
            os.close(fd)
            raise


def _open_awaiting_creation(tag, path, wait):
    """open_region_file, retried every 10 ms for ``wait`` seconds while the region is missing
    (a region appears whole, by link(2): FORMAT.md 5.5)."""
    deadline = None if wait is None else time.monotonic() + wait
    while True:
        try:
            return open_region_file(tag, path)
        except RegionNotFoundError:
            if deadline is None or time.monotonic() >= deadline:
                raise
            time.sleep(0.01)


def _not_found(tag, path):
    # Java's RegionNotFoundException's words (the CLIs print the same line)
    return "no region '%s' (%s); create it first or check the tag and SHM4J_DIR" % (tag, path)


class Follower(Closeable):
    """Reads the objects a master publishes under ``tag``; never writes to shared memory.

    Example::

        from shm4j import Follower
        with Follower("config") as f:
            cfg = f.get()                    # newest whole object, decoded once per version
            if f.wait_newer(f.version, 5.0): # sleeps on the futex until a new version
                cfg = f.get()

    The file is opened ``O_RDONLY`` and mapped read-only: a follower needs only read permission.
    When the master grows the region into a new file, the follower notices on its next read
    and maps the new file. A Follower is for one thread; followers of one process share the map.
    ``get()`` returns the same decoded object until a new version arrives: treat it as read-only.
    """

    def __init__(self, tag, directory=None, name=None, wait=None, register=True, verify=True):
        """Follows ``tag``. ``name`` is what this follower calls itself in the tag's follower
        registry (``Master.followers()``); ``wait`` is how many seconds to wait for a missing
        region to be created (a follower that starts before its master; None: not at all);
        ``register=False`` reads without a registry entry (tools that only look; such a
        follower polls instead of sleeping in the kernel). ``verify=False`` skips the CRC-32 of
        each copy (Java's ``withVerifyChecksums(false)``): copies are still never torn, but a
        damaged payload is returned as it is (FORMAT.md 5.2)."""
        self.tag = _files.validate_tag(tag)
        _registry.name_bytes_of(name)  # refused before anything is opened
        self._verify = verify
        self.path = os.path.join(_files.directory(directory), tag)
        self._bind(_open_awaiting_creation(tag, self.path, wait))
        self._forget()
        self.retries = 0             # copies discarded because the master wrote the slot meanwhile
        self._sleepers = None        # the tag's legacy sleepers file, opened on the first kernel wait
        self._entry = None           # this follower's registry entry; None: unregistered
        registry = _registry.open_registry(self.path) if register else None
        if registry is not None:
            self._entry = registry.register(name)
            if self._entry is None:
                registry.close()

    def _bind(self, f):
        """Uses region file ``f``; keeps what the read path needs of it in attributes."""
        self._file, self._q, self._i = f, f.q, f.i
        self._fd, self._length = f.fds[0], f.header.file_length  # for the size check (_check_size)

    def _forget(self):
        """Drops the cached version (a new file or closing)."""
        self._last_read = None       # (version, publishTime, contentType, payload): snapshot()'s
        self._read_version = -1      # its version
        self._snapshot = None        # its Snapshot, made on demand
        self._value = None           # get()'s decoded object, of version _value_version
        self._value_version = -1

    @property
    def region(self):
        return region_name(self.tag, self.path)

    # ---- reading ----

    def get(self):
        """The newest whole object, decoded by content type (JSON -> object, TEXT -> str, RAW ->
        bytes); None if nothing has been published yet. With no new version this is two loads
        and returns the cached object."""
        # committed, then flags: a set SUPERSEDED flag sends us to the new file (FORMAT.md 5.4).
        if self._q[COMMITTED_QWORD] == self._value_version and not self._i[FLAGS_WORD] & FLAG_SUPERSEDED:
            return self._value
        if not self._i[FLAGS_WORD] & FLAG_SUPERSEDED:
            v = self._q[COMMITTED_QWORD]
            if v and _fstat(self._fd).st_size >= self._length:  # else _get() says why (5.4)
                # A new JSON version in one attempt of read_slot; anything else (a writer active,
                # damage, other content) takes _get(), which retries and raises.
                read = read_slot(self._file, v, self._verify)[1]
                if read is not None and read[2] == _JSON:
                    try:
                        value = _decode_json(read[3].decode())  # see _decode
                    except (ValueError, RecursionError):  # RecursionError: nested too deep
                        return self._get()
                    self._value = value
                    self._value_version = v
                    if self._entry is not None:
                        self._entry.seen(v, read[1])
                    return value
        return self._get()

    def _get(self):
        """get() through the general read, which retries and raises."""
        read = self._read()
        if read is None:
            return None
        version, _, ctype, data = read
        if version != self._value_version:
            try:
                self._value = _decode(ctype, data)
            except ValueError as e:
                raise InvalidObjectError("version %d of region %s is not valid %s: %s"
                                         % (version, self.region, _CONTENT_TYPES[ctype].name, e)) from None
            self._value_version = version
        return self._value

    def snapshot(self):
        """The newest whole version as a Snapshot (raw bytes, not decoded), or None if nothing
        has been published yet. Raises ConsistencyError if no whole copy could be taken within
        the retry bound, CorruptRegionError if the slot is damaged."""
        if not (self._q[COMMITTED_QWORD] == self._read_version and not self._i[FLAGS_WORD] & FLAG_SUPERSEDED):
            read = self._read()
            if read is None:
                return None
            if read[0] != self._read_version:
                self._last_read, self._read_version, self._snapshot = read, read[0], None
        if self._snapshot is None:
            version, ptime, ctype, data = self._last_read
            self._snapshot = Snapshot(version, ptime, _CONTENT_TYPES[ctype], data)
        return self._snapshot

    @property
    def version(self):
        """The newest committed version (0 if none), following growth."""
        self._follow_growth()
        return self._q[COMMITTED_QWORD]

    def header(self):
        """The header fields as they are now (a plain reading, for display), following growth."""
        self._follow_growth()
        return Header(self._file.map[:HEADER_LENGTH])

    def slot_fields(self, index):
        """Slot ``index`` (0 or 1) as stored right now, unsynchronized, for inspection: a
        SlotFields whose ``crc_ok`` says whether the payload matches its CRC (None if the length
        is beyond the slot)."""
        self._follow_growth()
        self._check_size()
        f = self._file
        base = f.slot_bases[index]
        seq = self._q[base >> 3]
        version, length, ctype, ptime, crc = _unpack_slot_fields(f.map, base + 8)
        crc_ok = None
        if length <= f.slot_capacity:
            start = base + SLOT_HEADER_LENGTH
            crc_ok = _crc32(f.map[start:start + length]) == crc
        return SlotFields(seq, version, length, ctype, ptime, crc, crc_ok)

    def has_newer(self, version):
        """True if a version newer than ``version`` is committed."""
        return self.version > version

    def wait_newer(self, version, timeout=None):
        """Waits until a version newer than ``version`` is committed or ``timeout`` seconds pass
        (None: forever). Returns True if there is a newer version. Sleeps on the region's futex
        word (no CPU while waiting) where available, counted in the tag's sleepers file so that
        masters wake it (5.6); else polls every millisecond."""
        deadline = None if timeout is None else time.monotonic() + timeout
        registered = None
        entry = self._entry
        if entry is not None:
            entry.waiting()
        try:
            while True:
                self._follow_growth()
                f = self._file
                n = self._i[NOTIFY_WORD]  # before committed: a publish in between changes it (5.6)
                if self._q[COMMITTED_QWORD] > version:
                    return True
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    return False
                if self._i[FLAGS_WORD] & FLAG_SUPERSEDED:
                    # The tag still names this file: the master is between setting the flag and
                    # the rename, or died there. Poll until the tag changes.
                    remaining = _SUPERSEDED_POLL if remaining is None else min(remaining, _SUPERSEDED_POLL)
                address = f.notify_address
                if address is not None and registered is None and entry is not None:
                    legacy = self._sleepers_or_none()
                    # Version 1: an old master, which wakes only for its count, may publish (3.5).
                    # asleep() sets the bit before FUTEX_WAIT compares the word (5.6); False: lost, poll.
                    if legacy is not None and not legacy.old_master_may_publish() and entry.asleep():
                        registered = entry
                _futex.wait(address if registered is not None else None, n, remaining)
        finally:
            if registered is not None:
                registered.awake()
            if entry is not None:
                entry.done()

    def _sleepers_or_none(self):
        if self._sleepers is None:
            self._sleepers = _sleepers.open_sleepers(self.path) or False  # False: unusable, logged once
        return self._sleepers or None

    # ---- the protocol ----

    def _follow_growth(self):
        """If this file is superseded and the tag names another file now, switch to it."""
        if self._i[FLAGS_WORD] & FLAG_SUPERSEDED:
            self._follow()

    def _follow(self):
        """Switches to the file the tag names if it is another one; returns whether it did."""
        with rf.LOCK:
            try:
                key = rf.key_of(os.stat(self.path))
            except FileNotFoundError:
                return False  # removed: keep the last file, still whole
            if key == self._file.key:
                return False  # between the flag and the rename: the old file is still current
            old = self._file
            self._bind(open_region_file(self.tag, self.path))
            self._forget()
            rf.release(old)
            return True

    def _check_size(self):
        """FORMAT.md 5.4: a slot is touched only while the file is as long as its header says,
        since a page lost to truncation ends this process with SIGBUS (Python cannot catch it).
        A shrunk file: if a master moved the region (the tag names another file) this moves
        there, else it raises RegionShrunkError. A file shrunk after this check still faults."""
        size = _fstat(self._fd).st_size
        if size < self._length and not self._follow():
            raise self._file.shrunk(self.tag, self.path, size, _SHRUNK_NEXT)

    def _read(self):
        """One whole committed version as (version, publishTime, contentType, payload), or None
        if nothing is published (FORMAT.md 5.2): retries while a writer is active, follows
        growth, raises on damage or when the retry bound is reached."""
        attempts = 0
        suspect = None  # (file, committed, seq) of a slot that failed a check with seq stable
        started = None
        while True:
            if self._i[FLAGS_WORD] & FLAG_SUPERSEDED:
                self._follow_growth()
            self._check_size()
            f = self._file
            v = self._q[COMMITTED_QWORD]
            if v == 0:
                return None
            q1, read, problem = read_slot(f, v, self._verify)
            if read is not None:
                self.retries += attempts
                if self._entry is not None:
                    self._entry.seen(read[0], read[1])
                return read
            if problem is not None:
                # Seen once it may be a race; the same committed and seq twice is not (5.2).
                if suspect == (f, v, q1):
                    raise CorruptRegionError("region %s slot %d is corrupt: %s; the master's next publish "
                                             "replaces it (or remove the region)" % (self.region, v & 1, problem))
                suspect = (f, v, q1)
            # Retry at once (FORMAT.md 5.2): short of damage, an attempt fails only because the
            # master committed a newer version, whose slot is stable now; sleeping would let
            # only reads that overlap no publish succeed.
            attempts += 1
            if started is None:
                started = time.monotonic()
            elif time.monotonic() - started > MAX_SECONDS:
                raise ConsistencyError(
                    "region %s: no whole snapshot after %d attempts in %.1f s: the master "
                    "overwrote the slot during every copy; retry later"
                    % (self.region, attempts, time.monotonic() - started))

    # ---- lifetime ----

    def close(self):
        """Unmaps the region (when no other user in this process needs it). Idempotent."""
        f, self._file = self._file, None
        if f is not None:
            self._q = self._i = None
            self._forget()
            rf.release(f)
        s, self._sleepers = self._sleepers, None
        if s:
            s.close()
        e, self._entry = self._entry, None
        if e is not None:
            e.close()

    def __repr__(self):
        return "Follower(%r, version=%d)" % (self.tag, max(self._read_version, self._value_version))


def read_slot(f, v, verify=True):
    """One attempt of the read of FORMAT.md 5.2 at committed version ``v`` of region file ``f``,
    the one place Python reads a slot's payload (followers retry it, masters call it once).

    Returns ``(q1, read, problem)``: ``q1`` the slot's seq as first loaded; ``read`` the whole
    version as ``(version, publishTime, contentType, payload)``, else None; ``problem`` why a check
    failed with the seq unchanged (a race or damage: the caller tells them apart by seeing the same
    ``(v, q1)`` fail twice), None when a writer was active (retry) or the read succeeded. Checks run
    in the order FORMAT.md and Java's reader list them, so errors name the same first failure;
    ``verify=False`` skips the last, the CRC-32."""
    q = f.q
    base = f.slot_bases[v & 1]
    seq_word = base >> 3
    q1 = q[seq_word]
    if q1 & 1:
        # The master writes slot v % 2 only for v + 2, after committing v + 1: an odd seq with
        # committed still v is damage, not a write in progress (FORMAT.md 5.2).
        if q[COMMITTED_QWORD] == v:
            return q1, None, "its sequence number is odd (mid-write) although it holds committed version %d" % v
        return q1, None, None
    version, length, ctype, ptime, crc = _unpack_slot_fields(f.map, base + 8)
    capacity = f.slot_capacity
    data = None
    if length <= capacity:
        start = base + SLOT_HEADER_LENGTH
        data = f.map[start:start + length]
    # Python calls keep program order and x86-64 keeps loads in order: seq is loaded again only
    # after the copy (see _regionfile's notes).
    if q[seq_word] != q1:
        return q1, None, None  # a writer overwrote the slot during the copy
    if data is None:
        return q1, None, "length %d exceeds slot capacity %d" % (length, capacity)
    if version != v:
        # Also a slot reused for v + 2 before committed moved: the next attempt re-reads committed.
        return q1, None, "holds version %d where %d was committed" % (version, v)
    if ctype > _LAST_CONTENT_TYPE:
        return q1, None, "unknown content type %d" % ctype
    if verify and _crc32(data) != crc:
        return q1, None, "CRC-32 mismatch"
    return q1, (version, ptime, ctype, data), None


_CONTENT_TYPES = tuple(ContentType)  # indexed by id: cheaper than calling the enum
_LAST_CONTENT_TYPE = len(_CONTENT_TYPES) - 1
_JSON = int(ContentType.JSON)
_unpack_slot_fields = SLOT_FIELDS_STRUCT.unpack_from
_crc32 = zlib.crc32
_fstat = os.fstat
_decode_json = json.JSONDecoder().decode  # what json.loads calls, without its argument checks


def _decode(ctype, data):
    """A payload by content type: JSON -> object, TEXT -> str, RAW -> bytes; ValueError if it is
    not valid for its type."""
    if ctype == _JSON:
        try:
            try:
                return _decode_json(data.decode())  # UTF-8 (FORMAT.md): json.loads(bytes) would first guess the encoding
            except ValueError:
                return json.loads(data)  # a BOM or UTF-16/32, which json.loads accepts; or invalid: raises again
        except RecursionError:
            raise ValueError("nested deeper than Python's json module parses") from None
    return data.decode() if ctype == ContentType.TEXT else data
