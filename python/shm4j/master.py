"""The master: the one process that publishes a tag's object (docs/FORMAT.md 5.1, 5.3-5.5)."""
import json
import logging
import mmap
import os
import struct
import time
import zlib

from ._closeable import Closeable
from . import _files, _futex, _proc, _registry, _sleepers
from . import _regionfile as rf
from ._format import (COMMITTED_QWORD, FLAGS_WORD, FLAG_SUPERSEDED, FORMAT_VERSION,
                      GENERATION_OFFSET, HEADER_LENGTH, HEADER_STRUCT, MAGIC, MASTER_PID_OFFSET,
                      MASTER_START_OFFSET, MIN_SLOT_CAPACITY, NOTIFY_WORD, SLOT_FIELDS_STRUCT,
                      SLOT_HEADER_LENGTH, ContentType, capacity_for, file_length, region_name,
                      slot_offset)
from .errors import (CorruptRegionError, InvalidObjectError, MasterConflictError,
                     ObjectTooLargeError, Shm4jError)
from .follower import Snapshot, read_slot

DEFAULT_MAX_OBJECT_SIZE = 64 << 20
# No master writes a committed version of 2^63 - 1 or more (Java's long overflows past it), 5.3.
_MAX_COMMITTED = 2**63 - 1
_U64 = 2**64 - 1

_I64 = struct.Struct("<q")
_LOG = logging.getLogger("shm4j")


class Master(Closeable):
    """Publishes a JSON-serializable object under ``tag`` for any number of followers.

    Example::

        from shm4j import Master
        with Master("config") as m:
            m.publish({"feature": True, "limit": 10})   # version 1
            m.update(lambda cfg: {**cfg, "limit": 20})   # version 2
            print(m.current(), m.version)

    One master per tag at a time, across processes and languages: the master holds an
    open-file-description lock on the region file (F_OFD_SETLK, as a Java master does), which
    nothing else this process does with the file can release; a second master gets
    MasterConflictError naming the holder's pid. Versions continue from what the region holds,
    so they only go up, also across masters. A Master is for one thread.
    """

    def __init__(self, tag, directory=None, max_object_size=DEFAULT_MAX_OBJECT_SIZE,
                 file_mode=_files.OWNER_ONLY):
        self.tag = _files.validate_tag(tag)
        self.directory = _files.directory(directory)
        self.path = os.path.join(self.directory, tag)
        if max_object_size < 0:
            raise ValueError("max_object_size must be >= 0, got %d" % max_object_size)
        self.max_object_size = max_object_size
        self._file_mode = file_mode
        self._pid = os.getpid()
        self._start = _proc.start_millis(self._pid)
        self._file = None
        self._registry = None
        _files.ensure_directory(self.directory, file_mode)
        self._file = self._take()
        try:
            # Created here too, so that followers who may not create files in the directory can
            # register; this master itself always wakes (it cannot fence, 5.6). The legacy
            # sleepers file is marked version 2: no old master publishes while we hold the lock (3.5).
            sleepers = _sleepers.open_sleepers(self.path, master=True)
            if sleepers:
                sleepers.close()
            self._registry = _registry.open_registry(self.path)
            self._version = self._file.wq[COMMITTED_QWORD]
            self._last = self._read_committed()  # a Snapshot or None
        except BaseException:
            self.close()  # nobody gets this object to close: release the lock and the file now
            raise
        self._current = None
        self._has_current = False

    @property
    def region(self):
        return region_name(self.tag, self.path)

    @property
    def version(self):
        """The last committed version (0 if none)."""
        return self._version

    # ---- publishing ----

    def publish(self, obj):
        """Publishes ``obj`` encoded as compact UTF-8 JSON; returns its version."""
        try:
            data = json.dumps(obj, ensure_ascii=False, separators=(",", ":"),
                              allow_nan=False).encode("utf-8")
        except (TypeError, ValueError) as e:
            raise InvalidObjectError("cannot publish to region %s: the object is not JSON-"
                                     "serializable (%s); nothing was written" % (self.region, e)) from None
        return self.publish_bytes(data, ContentType.JSON)

    def publish_bytes(self, data, content_type=ContentType.RAW):
        """Publishes ``data`` as is, labelled ``content_type`` (RAW, JSON or TEXT); returns its version."""
        data = bytes(data)
        content_type = ContentType(content_type)
        if len(data) > self.max_object_size:
            raise ObjectTooLargeError(
                "cannot publish %d bytes to region %s: the limit is %d bytes (max_object_size); "
                "nothing was written" % (len(data), self.region, self.max_object_size))
        f = self._open_file()
        version = self._version + 1
        # FORMAT.md 5.4: a file shrunk under the map (another program truncated it) would end this
        # process with SIGBUS at the first write to a lost page; checked before every publish,
        # and then the region moves to a new file as growth does. Shrunk after the check: SIGBUS.
        size = os.fstat(f.writable_fd).st_size
        if size < f.header.file_length:
            published = self._grow(data, content_type, version, size)
            _LOG.warning("%s", f.shrunk(self.tag, self.path, size, "moved the region to a new file "
                                                                   "holding version %d" % version))
        elif len(data) > f.slot_capacity:
            published = self._grow(data, content_type, version, size)
        else:
            published = _write_slot(f, version, data, content_type)
        self._version = version
        self._last = Snapshot(version, published, content_type, data)
        self._current, self._has_current = None, False
        return version

    def update(self, fn):
        """Publishes ``fn(current)``, where ``current`` is a fresh decoded copy of the last
        committed object (None if none); returns the new version."""
        current = None if self._last is None else self._last.value()
        return self.publish(fn(current))

    def followers(self):
        """The followers registered for this tag (FORMAT.md 3.3), Java and Python, as dicts:
        ``pid``, ``alive``, ``language``, ``name``, ``registered_ms``, ``version_seen``,
        ``seen_at_ms``, ``lag_versions``, ``lag_ms``, ``waiting`` (``no``/``spinning``/``asleep``).
        Entries of dead processes are reclaimed and listed once more with ``alive`` False."""
        self._open_file()
        if self._registry is None:
            return []
        return self._infos(self._registry.entries())

    def await_seen(self, version, timeout):
        """Waits up to ``timeout`` seconds until every live registered follower has read
        ``version`` (or later); returns the followers (as :meth:`followers`) that had not by
        then: empty as soon as all have. Example::

            v = m.publish(cfg)
            late = m.await_seen(v, 10.0)
            if late: print("not yet on", v, [f["pid"] for f in late])
        """
        self._open_file()
        return self._infos(_registry.await_seen(self._registry, version, timeout))

    def _infos(self, records):
        last = self._last
        return _registry.infos(records, self._version, last.publish_time_ns if last else 0)

    def current(self):
        """What this master last published (or what the region held when it took over), decoded;
        None if nothing. Does not read shared memory. Treat the result as read-only."""
        if not self._has_current:
            self._current = None if self._last is None else self._last.value()
            self._has_current = True
        return self._current

    # ---- taking the region (FORMAT.md 5.3, 5.5) ----

    def _take(self):
        while True:
            with rf.LOCK:
                try:
                    fd = _files.open_regular(self.path, True, "region " + self.tag, denied=(
                        "no write permission on region %s (or its directory): a master needs read "
                        "and write access to the file; run it as the file's owner, or in its group "
                        "if the file is group-writable" % self.tag))
                except FileNotFoundError:
                    entry = self._create()
                    if entry is not None:
                        return entry
                    continue  # another process created it first: take that one
                key = rf.key_of(os.fstat(fd))
                mine = rf.lookup(key)
                if mine is not None and mine.master is not None:
                    os.close(fd)
                    raise MasterConflictError(
                        "region %s already has a master in this process (pid %d); close it "
                        "first or use a Follower" % (self.region, self._pid), self._pid)
                try:
                    locked = _files.try_lock(fd)
                except BaseException:
                    os.close(fd)
                    raise
                if not locked:
                    holder = _master_pid(fd)
                    os.close(fd)
                    raise MasterConflictError(
                        "region %s already has a master: pid %d holds its lock; stop that "
                        "process first, or read with a Follower" % (self.region, holder), holder) from None
                entry = taken = None
                try:
                    if _names(self.path, key):  # else replaced (grown) between open and lock: retry
                        entry = rf.open_existing(fd, key, self.tag, self.path, writable=True)
                        self._claim(entry)
                        taken = entry
                        _files.remove_stale_helpers(self.path)  # a creator's killed between link and unlink
                        return entry
                finally:
                    if taken is None:
                        # Retrying, or anything raised with the lock held (damage, an I/O error,
                        # Ctrl-C): unlock and drop this master's use of the file, else later
                        # masters, here and elsewhere, are refused and the file stays mapped.
                        _files.unlock(fd)
                        if entry is None:
                            os.close(fd)
                        else:
                            entry.master = None
                            rf.release(entry)

    def _claim(self, entry):
        """Makes the locked, mapped file this master's: the committed check of 5.3 step 3, then steps 4-5."""
        committed = entry.wq[COMMITTED_QWORD]
        if committed >= _MAX_COMMITTED:
            # Damage (5.3 step 3): refused before any write; continuing would overflow.
            raise CorruptRegionError(
                "region %s has committed version %d, which no master wrote (versions stay "
                "below 2^63 - 1); nothing was written: remove the file and restart the "
                "master" % (self.region, committed))
        entry.master = self
        wq, wi = entry.wq, entry.wi
        # u64, wrapping as Java's long does: a damaged 2^64 - 1 must not stop a master.
        self._generation = (wq[GENERATION_OFFSET >> 3] + 1) & _U64
        if wi[FLAGS_WORD] & FLAG_SUPERSEDED:
            # The previous master died between flagging and renaming (5.4): this file
            # is still the tag's, so it is live again.
            wi[FLAGS_WORD] = wi[FLAGS_WORD] & ~FLAG_SUPERSEDED
        wq[MASTER_PID_OFFSET >> 3] = self._pid
        wq[MASTER_START_OFFSET >> 3] = self._start
        wq[GENERATION_OFFSET >> 3] = self._generation
        _bump_notify(entry)

    def _create(self):
        """Creates the region whole and locked under a helper name and links it to the tag
        (5.5); returns the entry, or None if another process linked the tag first."""
        cap = MIN_SLOT_CAPACITY
        self._generation = 1

        def initialize(fd):
            os.pwrite(fd, self._header(cap, 1), 0)
            if not _files.try_lock(fd):
                raise Shm4jError("cannot lock the new, unlinked file of region %s" % self.region)

        try:
            fd = _files.create_atomically(self.path, file_length(cap), self._file_mode, initialize)
        except FileExistsError:
            return None
        return self._register_new(fd)

    def _header(self, cap, generation):
        return MAGIC + HEADER_STRUCT.pack(FORMAT_VERSION, HEADER_LENGTH, cap, file_length(cap),
                                          0, 0, self._pid, self._start, generation, 0,
                                          time.time_ns() // 1_000_000)

    def _register_new(self, fd):
        """Maps a file this master just wrote and holds, and registers it as this master's."""
        try:
            header = rf.read_header(fd, self.tag, self.path)
            mapping = mmap.mmap(fd, header.file_length, access=mmap.ACCESS_WRITE)
        except BaseException:
            os.close(fd)
            raise
        entry = rf.RegionFile(rf.key_of(os.fstat(fd)), fd, mapping, header, writable=True)
        entry.master = self
        return rf.register(entry)

    # ---- growth (5.4) ----

    def _grow(self, data, content_type, version, old_size):
        """Moves the region to a new file that holds ``data`` as ``version`` (5.4): to grow it, or
        because the old file shrank to ``old_size`` bytes. The old header is written only while
        its page is still mapped (a file shrunk to 0 bytes has none); the new one takes this
        master's identity from this object, not from the old header."""
        old = self._file
        header_mapped = old_size > 0
        cap = capacity_for(len(data), old.slot_capacity)
        private = "%s~grow.%d" % (self.path, self._pid)
        with rf.LOCK:
            _remove_stray_growth(self.path)  # of masters that died growing; we hold the lock
            mode = os.fstat(old.writable_fd).st_mode & 0o777
            fd = _files.create_reserved(private, file_length(cap), mode)
            try:
                os.pwrite(fd, self._header(cap, self._generation), 0)
                entry = self._register_new(fd)
            except BaseException:
                os.unlink(private)
                raise
            renamed = False
            try:
                published = _write_slot(entry, version, data, content_type)  # 1
                if not _files.try_lock(entry.writable_fd):                    # 2
                    raise Shm4jError("cannot lock the new, unnamed file %s" % private)
                if header_mapped:
                    old.wi[FLAGS_WORD] = old.wi[FLAGS_WORD] | FLAG_SUPERSEDED  # 3
                os.rename(private, self.path)                                 # 4
                renamed = True
            finally:
                if not renamed and header_mapped:
                    old.wi[FLAGS_WORD] = old.wi[FLAGS_WORD] & ~FLAG_SUPERSEDED
                if not renamed:
                    entry.master = None
                    rf.release(entry)
                    os.unlink(private)
            if header_mapped:
                _bump_notify(old)                                             # 5
            self._file = entry
            self._release(old)
        return published

    # ---- lifetime ----

    def _open_file(self):
        if self._file is None:
            raise Shm4jError("the master of region %s is closed" % self.region)
        return self._file

    def _read_committed(self):
        """The committed version as a Snapshot, read under the lock (nobody else writes), or
        None if there is none or it does not check out."""
        f = self._file
        v = f.wq[COMMITTED_QWORD]
        if v == 0:
            return None
        read = read_slot(f, v)[1]
        if read is None:
            return None
        version, ptime, ctype, data = read
        return Snapshot(version, ptime, ContentType(ctype), data)

    def _release(self, entry):
        _files.unlock(entry.writable_fd)
        entry.master = None
        rf.release(entry)

    def close(self):
        """Releases the lock and unmaps the region; the published object stays for followers
        and the next master. Idempotent."""
        f, self._file = self._file, None
        if f is not None:
            self._release(f)
        r, self._registry = self._registry, None
        if r is not None:
            r.close()

    def __repr__(self):
        return "Master(%r, version=%d)" % (self.tag, self._version)


def _write_slot(f, version, data, content_type):
    """Writes ``version`` into its slot and commits it (FORMAT.md 5.1); returns the publish
    time. Every store below is a
    release store on x86-64 (see _regionfile's notes), so followers see the odd seq before any
    payload byte, the payload before the even seq, and the even seq before ``committed``."""
    wq, m = f.wq, f.writable
    base = slot_offset(f.slot_capacity, version & 1)
    seq_word = base >> 3
    q = wq[seq_word]
    if not q & 1:
        wq[seq_word] = q + 1   # odd: being written. Already odd: a master died mid-write; stays odd
    start = base + SLOT_HEADER_LENGTH
    m[start:start + len(data)] = data
    published = time.time_ns()
    SLOT_FIELDS_STRUCT.pack_into(m, base + 8, version, len(data), int(content_type),
                                 published, zlib.crc32(data))
    # Even again and larger; a damaged seq of 2^64 - 1 wraps to 0, as Java's long does.
    wq[seq_word] = ((q | 1) + 1) & _U64
    wq[COMMITTED_QWORD] = version
    _bump_notify(f)
    return published


def _bump_notify(f):
    f.wi[NOTIFY_WORD] = (f.wi[NOTIFY_WORD] + 1) & 0xFFFFFFFF
    _futex.wake_all(f.notify_address)


def _names(path, key):
    """Whether ``path`` is the file ``key`` (it may have been replaced or removed)."""
    try:
        return rf.key_of(os.stat(path)) == key
    except FileNotFoundError:
        return False


def _master_pid(fd):
    try:
        raw = os.pread(fd, 8, MASTER_PID_OFFSET)
        return _I64.unpack(raw)[0] if len(raw) == 8 else 0
    except OSError:
        return 0


def _remove_stray_growth(path):
    directory, tag = os.path.split(path)
    for name in os.listdir(directory):
        if name.startswith(tag + "~grow."):
            _files.unlink_if_exists(os.path.join(directory, name))
