"""The follower registry ``<tag>~followers`` (docs/FORMAT.md 3.3): who follows a tag, the newest
version each has read, and which sleep in FUTEX_WAIT, so that a master wakes only when a live
follower sleeps and can tell when a version reached every follower.

The same bytes as Java's ``io.shm4j.internal.FollowerRegistry``. Claiming and reclaiming entries
happen under an exclusive fcntl record lock on the header's 64 bytes (``fcntl.lockf``; Java's
``FileChannel.tryLock`` takes the same kind, so the languages exclude each other). Such a lock
drops when the process closes any descriptor of the file, so every open and close of a registry
file in this process happens under ``_LOCK``. A follower's own fields are stored with single
8-byte stores (memoryview casts: one ``mov`` each on x86-64, in program order): ``seenAt`` then
``seenVersion``, never a clock read on the read path. The asleep bitmap changes only through
FUTEX_WAKE_OP's atomic or / and-not (a locked instruction, the full fence 5.6 needs).

Any process that may register may also truncate the file while others map it, and a page lost
to that ends a process that touches it with SIGBUS (Python cannot catch it). So the mapping's
descriptor stays open, and every use checks the file's size first (an fstat, FORMAT.md 3.3): a
follower whose file shrank drops its entry (one warning; it reads on unregistered and polls),
listing raises RegionShrunkError. A file shrunk after the check, during the access, still faults.
"""
import logging
import mmap
import os
import struct
import threading
import time
import fcntl

from . import _files, _futex, _proc
from .errors import RegionShrunkError

MAGIC = b"SHM4JFLW"
FORMAT_VERSION = 1
ENTRY_LENGTH = 128
CAPACITY = 256
BITMAP_OFFSET = 64
ENTRIES_OFFSET = 128
FILE_LENGTH = ENTRIES_OFFSET + CAPACITY * ENTRY_LENGTH
SUFFIX = "~followers"

# entry fields
PID, START, REGISTERED, SEEN_VERSION, SEEN_AT, STATE, LANGUAGE, NAME = 0, 8, 16, 24, 32, 40, 44, 64
NAME_LENGTH = 64
STATE_IDLE, STATE_SPINNING, STATE_ASLEEP = 0, 1, 2
LANGUAGE_JAVA, LANGUAGE_PYTHON = 1, 2
LANGUAGES = {LANGUAGE_JAVA: "java", LANGUAGE_PYTHON: "python"}
STATES = {STATE_IDLE: "no", STATE_SPINNING: "spinning", STATE_ASLEEP: "asleep"}

_HEADER = struct.Struct("<8sIII")
_ENTRY = struct.Struct("<qqqQqII")
_LOCK = threading.RLock()
_LOCK_WAIT = 5.0  # held for microseconds; long only on a loaded machine
_LOG = logging.getLogger("shm4j")


def path_of(region_path):
    """The registry file of a region file."""
    return region_path + SUFFIX


def open_registry(region_path, create=True):
    """Maps the registry of ``region_path`` read-write (creating it if ``create`` and missing);
    None, after a logged notice, where it cannot be used: the caller follows unregistered."""
    path = path_of(region_path)
    try:
        try:
            return _map(path, True)
        except FileNotFoundError:
            if not create:
                raise
            _create(path, region_path)
            return _map(path, True)
    except OSError as e:
        _LOG.info("shm4j: cannot register in %s (%s); this follower reads unregistered (its master "
                  "cannot see it, and it polls instead of sleeping)", path, e)
        return None


def open_to_list(region_path):
    """The registry for looking only: read-write if this process may write it (dead entries are
    then reclaimed), else (no write permission, a read-only mount) read-only; None if there is
    none. As Java's FollowerRegistry.openToList."""
    path = path_of(region_path)
    try:
        try:
            return _map(path, True)
        except FileNotFoundError:
            raise
        except OSError:  # no write permission, a read-only mount; else the read-only open says why
            return _map(path, False)
    except FileNotFoundError:
        return None


def _create(path, region_path):
    # 0660 where the region's group may read it, so that every follower may register.
    group_reads = os.stat(region_path).st_mode & 0o040
    mode = _files.GROUP_WRITE if group_reads else _files.OWNER_ONLY
    with _LOCK:
        try:
            fd = _files.create_atomically(path, FILE_LENGTH, mode, lambda fd: os.pwrite(
                fd, _HEADER.pack(MAGIC, FORMAT_VERSION, ENTRY_LENGTH, CAPACITY), 0))
        except FileExistsError:
            return  # another process created it first: use theirs
        os.close(fd)


def _map(path, writable):
    with _LOCK:
        fd = _files.open_regular(path, writable, "the follower registry")
        try:
            size = os.fstat(fd).st_size
            capacity = _capacity(path, size, os.pread(fd, _HEADER.size, 0))
            prot = mmap.PROT_READ | (mmap.PROT_WRITE if writable else 0)
            m = mmap.mmap(fd, size, mmap.MAP_SHARED, prot)
        except BaseException:
            os.close(fd)
            raise
    return Registry(path, m, writable, capacity, fd)


def _capacity(path, size, head):
    # An OSError, as Java's IOException: the CLI's followers and inspect exit 7 naming the file.
    remedy = "; remove it (followers and masters recreate it)"
    if len(head) < _HEADER.size:
        raise OSError("%s is %d bytes, not a shm4j follower registry%s" % (path, size, remedy))
    magic, version, entry_length, capacity = _HEADER.unpack(head)
    if magic != MAGIC or version != FORMAT_VERSION:
        raise OSError("%s is not a shm4j follower registry of format version %d%s"
                      % (path, FORMAT_VERSION, remedy))
    if (entry_length != ENTRY_LENGTH or capacity <= 0 or capacity % 32 or capacity > 512
            or size < ENTRIES_OFFSET + capacity * ENTRY_LENGTH):
        raise OSError("%s has a header out of range (entry length %d, capacity %d, %d bytes)%s"
                      % (path, entry_length, capacity, size, remedy))
    return capacity


def name_bytes_of(name):
    """A follower's name as the registry stores it (None: unnamed); ValueError, worded as Java's
    ShmOptions, unless it is at most 64 bytes of UTF-8 without control characters (FORMAT.md 3.3)."""
    name = name or ""
    data = name.encode("utf-8")
    if len(data) > NAME_LENGTH or any(ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F for c in name):
        raise ValueError("follower name %r is not 0-%d bytes of UTF-8 without control characters" % (name, NAME_LENGTH))
    return data


class Record:
    """One registered follower as stored (see Java's FollowerRegistry.Record)."""
    __slots__ = ("index", "pid", "start_ms", "registered_ms", "language", "name", "seen_version",
                 "seen_at_ms", "state", "alive")

    def __init__(self, index, pid, start_ms, registered_ms, language, name, seen_version,
                 seen_at_ms, state, alive=True):
        self.index, self.pid, self.start_ms, self.registered_ms = index, pid, start_ms, registered_ms
        self.language, self.name, self.seen_version = language, name, seen_version
        self.seen_at_ms, self.state, self.alive = seen_at_ms, state, alive

    def dead(self):
        return Record(self.index, self.pid, self.start_ms, self.registered_ms, self.language,
                      self.name, self.seen_version, self.seen_at_ms, STATE_IDLE, False)

    def same_follower(self, other):
        return ((self.index, self.pid, self.start_ms, self.registered_ms)
                == (other.index, other.pid, other.start_ms, other.registered_ms))


class Registry:
    """A mapping of one registry file, and the descriptor its size is checked through."""

    def __init__(self, path, mapping, writable, capacity, fd):
        self.path = path
        self.writable = writable
        self.capacity = capacity
        self._fd = fd
        self._map = mapping
        self._q = memoryview(mapping).cast("Q") if writable else None
        self._bitmap = BITMAP_OFFSET
        self._address = _futex.buffer_address(mapping) if writable else None

    def register(self, name, language=LANGUAGE_PYTHON):
        """Claims a free entry for a follower of this process (reclaiming dead entries on the
        way); None, after a logged notice, if the registry is full or stays locked."""
        name_bytes = name_bytes_of(name)
        pid, start = os.getpid(), _proc.start_millis(os.getpid())
        if self.shrunk():
            _LOG.warning("shm4j: %s", self.shrunk_error("this follower reads unregistered"))
            return None

        dead = _dead(self._all())

        def claim():
            self._free(dead)
            for i in range(self.capacity):
                e = ENTRIES_OFFSET + i * ENTRY_LENGTH
                if self._q[e >> 3] == 0:
                    self._map[e:e + ENTRY_LENGTH] = bytes(ENTRY_LENGTH)
                    self._q[(e + START) >> 3] = start & 0xFFFFFFFFFFFFFFFF
                    self._q[(e + REGISTERED) >> 3] = time.time_ns() // 1_000_000
                    struct.pack_into("<I", self._map, e + LANGUAGE, language)
                    self._map[e + NAME:e + NAME + len(name_bytes)] = name_bytes
                    self._q[e >> 3] = pid  # last: a listed entry is whole
                    return i
            return -1

        index = self._locked(claim, _LOCK_WAIT)
        if index is None or index < 0:
            _LOG.info("shm4j: the follower registry %s %s; this follower reads unregistered",
                      self.path, "stays locked" if index is None else "is full (%d followers)" % self.capacity)
            return None
        return Entry(self, index)

    def shrunk(self):
        """Whether the file is shorter than the mapping now (an fstat): touching it could fault."""
        return os.fstat(self._fd).st_size < len(self._map)

    def shrunk_error(self, next_step):
        return RegionShrunkError("the follower registry %s shrank to %d bytes under this process (it maps %d); %s"
                                 % (self.path, os.fstat(self._fd).st_size, len(self._map), next_step))

    def _check_size(self):
        """Raises RegionShrunkError, naming the file and what to do, if it shrank under the mapping."""
        if self.shrunk():
            raise self.shrunk_error("remove it (followers and masters recreate it) and restart the processes "
                                    "that map it to list and register again; meanwhile its followers read "
                                    "unregistered")

    def entries(self):
        """Every registered follower; dead entries are reclaimed (if writable) and listed once
        more with ``alive`` False. Raises RegionShrunkError if the file shrank under the mapping."""
        self._check_size()
        records = self._all()
        dead = _dead(records)
        if self.writable and dead:
            self._locked(lambda: self._free(dead), _LOCK_WAIT)
        return [r.dead() if r in dead else r for r in records]

    def peek(self, records):
        """``records`` as stored now, without checking liveness; entries freed or retaken are left
        out. Raises RegionShrunkError if the file shrank under the mapping."""
        self._check_size()
        now = []
        for r in records:
            x = self._read(r.index)
            if x is not None and x.same_follower(r):
                now.append(x)
        return now

    def _all(self):
        return [r for r in (self._read(i) for i in range(self.capacity)) if r is not None]

    def _free(self, dead):
        """Frees the entries of ``dead`` that still hold the same registration; holds the lock.
        Liveness was checked without it (reading /proc is the slow part): a dead process stays dead."""
        for r in dead:
            now = self._read(r.index)
            if now is None or not now.same_follower(r):
                continue  # freed or claimed again meanwhile
            e = ENTRIES_OFFSET + r.index * ENTRY_LENGTH
            _futex.atomic_clear_bit(self._address + BITMAP_OFFSET + 4 * (r.index >> 5), r.index & 31)
            self._map[e + 8:e + ENTRY_LENGTH] = bytes(ENTRY_LENGTH - 8)
            self._q[e >> 3] = 0
        return 0

    def _asleep_bit(self, i):
        word = struct.unpack_from("<I", self._map, BITMAP_OFFSET + 4 * (i >> 5))[0]
        return word >> (i & 31) & 1

    def _read(self, i):
        e = ENTRIES_OFFSET + i * ENTRY_LENGTH
        pid, start, registered, seen_version, seen_at, state, language = _ENTRY.unpack_from(self._map, e)
        if pid == 0:
            return None
        name = bytes(self._map[e + NAME:e + NAME + NAME_LENGTH]).split(b"\0", 1)[0].decode("utf-8", "replace")
        if self._asleep_bit(i):
            state = STATE_ASLEEP
        return Record(i, pid, start, registered, language, name, seen_version, seen_at, state)

    def _locked(self, body, wait):
        """Runs ``body`` under the registry lock, waiting up to ``wait`` seconds; None if it stays
        taken or the file was removed."""
        deadline = time.monotonic() + wait
        pause = 0.0001
        while True:
            with _LOCK:
                try:
                    fd = _files.open_regular(self.path, True, "the follower registry")
                except FileNotFoundError:
                    return None  # removed (its users' advice for a bad one): nobody claims entries here now
                try:
                    try:
                        fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, BITMAP_OFFSET, 0)
                    except OSError:
                        pass
                    else:
                        try:
                            return body()
                        finally:
                            fcntl.lockf(fd, fcntl.LOCK_UN, BITMAP_OFFSET, 0)
                finally:
                    os.close(fd)
            if time.monotonic() > deadline:
                return None
            time.sleep(pause)
            pause = min(pause * 2, 0.01)

    def close(self):
        if self._q is not None:
            self._q.release()
        self._map.close()
        with _LOCK:  # closing a descriptor drops this process's registry lock (module notes)
            os.close(self._fd)


class Entry:
    """A follower's own entry: ``seen`` is the read path's only cost, the rest runs around waits.
    Each method first checks the file's size (module notes); once it shrank the entry is lost:
    never touched again, as if closed."""

    def __init__(self, registry, index):
        self._registry = registry
        self._q = registry._q
        self._map = registry._map
        self.index = index
        self._offset = ENTRIES_OFFSET + index * ENTRY_LENGTH
        self._word = registry._address + BITMAP_OFFSET + 4 * (index >> 5)
        self._bit = index & 31
        self._seen_word = (self._offset + SEEN_VERSION) >> 3
        self._at_word = (self._offset + SEEN_AT) >> 3
        self._stamped = 0
        self.closed = False

    def seen(self, version, publish_ns):
        """This follower has read ``version``: the time, then the version (two 8-byte stores)."""
        if self._usable():
            self._q[self._at_word] = (publish_ns // 1_000_000) & 0xFFFFFFFFFFFFFFFF  # a damaged time may be negative
            self._q[self._seen_word] = version

    def _usable(self):
        """False once closed or lost; loses the entry (one warning) if the file shrank now."""
        if self.closed:
            return False
        if self._registry.shrunk():
            self.closed = True
            _LOG.warning("shm4j: %s", self._registry.shrunk_error(
                "this follower reads unregistered from now on (masters cannot list it) and polls instead of "
                "sleeping in the kernel; remove the file (followers and masters recreate it) and restart the "
                "follower to register again"))
            return False
        return True

    def _state(self, state):
        struct.pack_into("<I", self._map, self._offset + STATE, state)

    def waiting(self):
        """Starts waiting: state spinning, and the read time stamped now if not yet."""
        if not self._usable():
            return
        self._state(STATE_SPINNING)
        seen = self._q[self._seen_word]
        if seen != self._stamped:
            self._stamped = seen
            self._q[self._at_word] = time.time_ns() // 1_000_000

    def asleep(self):
        """About to sleep in the kernel: sets this entry's bit (a full fence). False, setting
        nothing, if the entry is closed or lost: then no master knows to wake this follower, which
        must poll instead."""
        if not self._usable():
            return False
        self._state(STATE_ASLEEP)
        _futex.atomic_set_bit(self._word, self._bit)
        return True

    def awake(self):
        if self._usable():
            _futex.atomic_clear_bit(self._word, self._bit)
            self._state(STATE_SPINNING)

    def done(self):
        if self._usable():
            self._state(STATE_IDLE)

    def close(self):
        """Frees the entry (fields first, the pid last)."""
        if not self._usable():
            if self._q is not None:  # lost: nothing to free, the mapping still to close
                self._q = None
                self._registry.close()
            return
        self.closed = True
        _futex.atomic_clear_bit(self._word, self._bit)
        self._map[self._offset + 8:self._offset + ENTRY_LENGTH] = bytes(ENTRY_LENGTH - 8)
        self._q[self._offset >> 3] = 0
        self._q = None
        self._registry.close()


def _dead(records):
    return [r for r in records if not _proc.is_alive(r.pid, r.start_ms)]


def infos(records, committed, committed_publish_ns):
    """Records as dicts, the fields of Java's FollowerInfo (Master.followers())."""
    now_ms = time.time_ns() // 1_000_000
    out = []
    for r in records:
        lag = committed - r.seen_version if committed > r.seen_version else 0
        lag_ms = 0
        if lag and committed_publish_ns:
            lag_ms = max(0, now_ms - committed_publish_ns // 1_000_000)
        out.append({"pid": r.pid, "alive": r.alive, "language": LANGUAGES.get(r.language, "unknown"),
                    "name": r.name, "registered_ms": r.registered_ms, "version_seen": r.seen_version,
                    "seen_at_ms": r.seen_at_ms or None, "lag_versions": lag, "lag_ms": lag_ms,
                    "waiting": STATES.get(r.state, "no")})
    return out


def behind(records, version):
    return [r for r in records if r.alive and r.seen_version < version]


def await_seen(registry, version, timeout):
    """Waits until every live registered follower has read ``version``; returns the records of
    those that had not after ``timeout`` seconds (empty: all had)."""
    if registry is None:
        return []
    start = time.monotonic()
    last_liveness = start
    pending = behind(registry.entries(), version)
    pause = 0.00001
    while pending:
        now = time.monotonic()
        if now - start >= timeout:
            return behind(registry.entries(), version)
        time.sleep(min(pause, timeout - (now - start)))
        pause = min(pause * 2, 0.001)
        if now - last_liveness >= 0.1:
            last_liveness = now
            pending = behind(registry.entries(), version)
        else:
            pending = behind(registry.peek(pending), version)
    return []
