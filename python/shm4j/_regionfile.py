"""Region files open in this process, shared by every Master and Follower of the process.

Why one shared entry per file: one map of a file per process, whoever uses it, and a second
master of a file in this process refused before it locks anything. The master's lock does not
depend on it: it is an open-file-description lock on the master's own descriptor (and the dup
its ``mmap`` keeps), which no other open or close in the process can drop (docs/FORMAT.md 5.3).
Every descriptor and map of a file stays in one ``RegionFile`` until the last user in the
process releases it.

Implementation notes on memory order. Words that other processes change concurrently (seq,
committed, flags, notify) are read and written through ``memoryview.cast('Q')``/``cast('I')``
views: CPython moves such an item with a fixed-size ``memcpy`` of 8 (or 4) bytes, which compiles
to one aligned ``mov`` on x86-64, and aligned moves are single-copy atomic there (every such
field is aligned, FORMAT.md section 3). ``struct.unpack_from('<...')`` assembles little-endian
integers byte by byte, so it is used only for fields read between two equal readings of a slot's
seq, where no writer was active. x86-64 is TSO: loads are not reordered with loads, stores not
with stores, so every load is an acquire and every store a release as long as the C compiler
keeps program order; it does, because each Python-level access is a separate call into the
interpreter that the compiler cannot move memory accesses across. That is exactly the order
FORMAT.md 5.1/5.2 need. On other architectures (aarch64) CPython offers no fences; there the
seq re-check still rejects most torn copies and the CRC-32 rejects a torn payload except with
probability 2^-32, so x86-64 is the platform this package guarantees.
"""
import mmap
import os
import threading

from . import _futex
from ._format import HEADER_LENGTH, NOTIFY_OFFSET, region_name, slot_offset, unreadable, validate_header
from .errors import RegionShrunkError

# One lock for the registry and for every change of which file a tag names in this process
# (create, growth), so a follower never opens a descriptor of a file a master here holds.
LOCK = threading.RLock()
_OPEN = {}  # (st_dev, st_ino) -> RegionFile


def key_of(stat_result):
    return stat_result.st_dev, stat_result.st_ino


class RegionFile:
    """One region file mapped in this process: its descriptors, maps and atomic word views.
    ``q``/``i`` read the first map; ``wq``/``wi`` write through the master's writable map."""

    def __init__(self, key, fd, mapping, header, writable):
        self.key = key
        self.header = header
        self.slot_capacity = header.slot_capacity
        self.slot_bases = (slot_offset(self.slot_capacity, 0), slot_offset(self.slot_capacity, 1))
        self.fds = [fd]
        self.maps = [mapping]
        self.map = mapping
        self._views = []
        self.q, self.i = self._word_views(mapping)  # 8-byte words: index = offset // 8; 4-byte: // 4
        self.writable = self.writable_fd = self.wq = self.wi = None
        if writable:
            self._set_writable(fd, mapping)
        address = _futex.buffer_address(mapping)
        self.notify_address = None if address is None else address + NOTIFY_OFFSET
        self.refs = 1
        self.master = None  # the Master of this process holding the lock, if any

    def _word_views(self, mapping):
        base = memoryview(mapping)
        views = base.cast("Q"), base.cast("I")
        self._views += [base, *views]
        return views

    def _set_writable(self, fd, mapping):
        self.writable, self.writable_fd = mapping, fd
        self.wq, self.wi = self._word_views(mapping)

    def make_writable(self, fd, mapping):
        """Adds the master's read-write descriptor and map of this file."""
        self.add(fd, mapping)
        self._set_writable(fd, mapping)

    def add(self, fd, mapping):
        """Keeps another descriptor (and map) of the same file until the entry is released."""
        self.fds.append(fd)
        if mapping is not None:
            self.maps.append(mapping)

    def size_now(self):
        """The file's size now (an fstat): FORMAT.md 5.4's check for a file shrunk under the map."""
        return os.fstat(self.fds[0]).st_size

    def shrunk(self, tag, path, size, next_step):
        """The error for this file found ``size`` bytes long, shorter than its header says."""
        return RegionShrunkError("region %s: the file shrank to %d bytes under this process (its header "
                                 "says %d); %s" % (region_name(tag, path), size, self.header.file_length,
                                                   next_step))

    def close(self):
        for view in reversed(self._views):
            view.release()
        for m in self.maps:
            m.close()
        for fd in self.fds:
            os.close(fd)
        self._views, self.maps, self.fds = [], [], []


def lookup(key):
    return _OPEN.get(key)


def register(entry):
    _OPEN[entry.key] = entry
    return entry


def acquire(entry):
    """One more use of an entry (under LOCK)."""
    entry.refs += 1
    return entry


def release(entry):
    """Drops one use; the last one unmaps and closes every descriptor of the file."""
    with LOCK:
        entry.refs -= 1
        if entry.refs > 0:
            return
        if _OPEN.get(entry.key) is entry:
            del _OPEN[entry.key]
        entry.close()


def read_header(fd, tag, path):
    """Reads and validates the header through ``fd`` (FORMAT.md section 4)."""
    size = os.fstat(fd).st_size
    raw = os.pread(fd, HEADER_LENGTH, 0)
    return validate_header(raw, size, tag, path)


def open_existing(fd, key, tag, path, writable):
    """Maps a region file and registers it, or joins this process's entry for it (then the
    descriptor is kept with the entry). Validates the header of a file new to this process, and
    of every file a master takes.
    On failure nothing is registered or counted and ``fd`` is still the caller's: a master
    unlocks it first, then each caller closes it."""
    with LOCK:
        entry = _OPEN.get(key)
        if entry is not None:
            if writable:
                # A master checks the file it takes (5.3 step 3) even if mapped here: it may have
                # shrunk since, and the master touches a slot (SIGBUS) before its first publish.
                read_header(fd, tag, path)
            if writable and entry.writable is None:
                entry.make_writable(fd, mmap.mmap(fd, entry.header.file_length, access=mmap.ACCESS_WRITE))
            else:
                entry.add(fd, None)
            entry.refs += 1  # after the map: a failed one must not leave a use behind
            return entry
        header = read_header(fd, tag, path)
        mapping = mmap.mmap(fd, header.file_length,
                            access=mmap.ACCESS_WRITE if writable else mmap.ACCESS_READ)
        size = os.fstat(fd).st_size
        if size < header.file_length:  # shrunk since read_header: the map would fault (5.4)
            mapping.close()
            raise unreadable(tag, path, "is truncated: %d bytes, the header says %d" % (size, header.file_length))
        return register(RegionFile(key, fd, mapping, header, writable))
