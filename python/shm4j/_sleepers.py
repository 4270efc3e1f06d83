"""The legacy sleepers file ``<tag>~sleepers`` (docs/FORMAT.md 3.5): the count of sleeping
followers that shm4j versions before the follower registry kept. It stays so that old and new
processes can share a tag during an upgrade: a new master marks the file version 2 in place (old
processes that open it afterwards refuse it: old followers poll, old masters wake on every
publish), and a new follower sleeps in the kernel only while the file says 2 (version 1: an old
master, which wakes only for the count, may publish). A Python master cannot fence, so it never
reads the count: it always wakes (5.6 allows that). A follower checks the file's size before
each look (an fstat: a page lost to truncation would end it with SIGBUS); once it shrank, the
follower polls (who publishes is unknown) and says so once.
"""
import logging
import mmap
import os
import struct

from . import _files
from .errors import RegionShrunkError

MAGIC = b"SHM4JSLP"
FORMAT_VERSION = 1
REGISTRY_FORMAT_VERSION = 2
SLEEPERS_OFFSET = 16
FILE_LENGTH = 64
SUFFIX = "~sleepers"

_LOG = logging.getLogger("shm4j")


def path_of(region_path):
    """The sleepers file of a region file."""
    return region_path + SUFFIX


class Sleepers:
    """A mapping of one sleepers file: its format version (and count) as stored now."""

    def __init__(self, path, mapping, fd):
        self.path = path
        self._map = mapping
        self._fd = fd
        self._lost = False

    def count(self):
        return struct.unpack_from("<I", self._map, SLEEPERS_OFFSET)[0]

    def old_master_may_publish(self):
        """True while the file is version 1: a master of a version before the registry may
        publish. True too once the file shrank under the mapping (one warning)."""
        if self._lost:
            return True
        size = os.fstat(self._fd).st_size
        if size < FILE_LENGTH:
            self._lost = True
            _LOG.warning("shm4j: %s", RegionShrunkError(
                "the sleepers file %s shrank to %d bytes under this process (it maps %d); followers of this tag "
                "in this process poll instead of sleeping in the kernel from now on; remove the file (followers "
                "and masters recreate it) and restart them to sleep again" % (self.path, size, FILE_LENGTH)))
            return True
        return struct.unpack_from("<I", self._map, 8)[0] == FORMAT_VERSION

    def close(self):
        self._map.close()
        os.close(self._fd)


def open_sleepers(region_path, master=False):
    """Opens (creating it, version 2, if missing) the sleepers file beside ``region_path``; a
    master maps it read-write and marks a version 1 file version 2. None, after a logged
    warning, where it cannot be used: a follower then polls instead of sleeping."""
    path = path_of(region_path)
    try:
        try:
            s = _map(path, master)
        except FileNotFoundError:
            _create(path, region_path)
            s = _map(path, master)
        if master and s.old_master_may_publish() and not s._lost:
            struct.pack_into("<I", s._map, 8, REGISTRY_FORMAT_VERSION)  # we hold the master lock
        return s
    except (OSError, ValueError) as e:
        _LOG.warning("shm4j: cannot use the sleepers file %s (%s); waiting polls instead of sleeping",
                     path, e)
        return None


def _create(path, region_path):
    # 0660 where the region's group may read it (as the registry).
    group_reads = os.stat(region_path).st_mode & 0o040
    mode = _files.GROUP_WRITE if group_reads else _files.OWNER_ONLY
    try:
        fd = _files.create_atomically(path, FILE_LENGTH, mode,
                                      lambda fd: os.pwrite(fd, MAGIC + struct.pack("<I", REGISTRY_FORMAT_VERSION), 0))
    except FileExistsError:
        return  # another process created it first: use theirs
    os.close(fd)


def _map(path, writable):
    fd = _files.open_regular(path, writable, "the sleepers file")
    try:
        problem = _problem(path, os.fstat(fd).st_size, os.pread(fd, SLEEPERS_OFFSET, 0))
        if problem:
            raise ValueError(problem)
        prot = mmap.PROT_READ | (mmap.PROT_WRITE if writable else 0)
        m = mmap.mmap(fd, FILE_LENGTH, mmap.MAP_SHARED, prot)
    except BaseException:
        os.close(fd)
        raise
    return Sleepers(path, m, fd)


def _problem(path, size, head):
    """Why a file of ``size`` bytes starting with ``head`` is not a sleepers file; None if it is."""
    if size != FILE_LENGTH:
        return ("%s is %d bytes, not a shm4j sleepers file of %d; remove it "
                "(followers and masters recreate it)" % (path, size, FILE_LENGTH))
    if head[:8] != MAGIC or struct.unpack_from("<I", head, 8)[0] not in (FORMAT_VERSION, REGISTRY_FORMAT_VERSION):
        return ("%s is not a shm4j sleepers file of format version %d or %d; remove it "
                "(followers and masters recreate it)" % (path, FORMAT_VERSION, REGISTRY_FORMAT_VERSION))
    return None


def peek_count(region_path):
    """The count, read without creating anything (for ``inspect``); None without a usable file."""
    path = path_of(region_path)
    try:
        fd = _files.open_regular(path, False, "the sleepers file")  # a FIFO must not block inspect
        try:
            data = os.pread(fd, FILE_LENGTH + 1, 0)
        finally:
            os.close(fd)
    except OSError:
        return None
    if _problem(path, len(data), data):
        return None
    return struct.unpack_from("<I", data, SLEEPERS_OFFSET)[0]
