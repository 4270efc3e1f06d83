"""The sleepers file ``<tag>~sleepers`` (docs/FORMAT.md 3.3): how many followers may be asleep
in FUTEX_WAIT on the tag's notify word, so that a master may skip FUTEX_WAKE when none is.

A follower registers before its first FUTEX_WAIT and leaves when its wait is over. CPython has
no atomic instructions, so the count is changed by the kernel: FUTEX_WAKE_OP with FUTEX_OP_ADD
adds atomically (a locked instruction, so also the full fence 5.6 needs) and wakes nobody. A
Python master cannot fence, so it never reads the count: it always wakes (5.6 allows that).
"""
import logging
import mmap
import os
import struct

from . import _files, _futex

MAGIC = b"SHM4JSLP"
FORMAT_VERSION = 1
SLEEPERS_OFFSET = 16
FILE_LENGTH = 64
SUFFIX = "~sleepers"

_LOG = logging.getLogger("shm4j")


def path_of(region_path):
    """The sleepers file of a region file."""
    return region_path + SUFFIX


class Sleepers:
    """A read-write mapping of one sleepers file; ``register``/``unregister`` change its count."""

    def __init__(self, path, mapping):
        self.path = path
        self._map = mapping
        self._address = _futex.buffer_address(mapping) + SLEEPERS_OFFSET

    def register(self):
        _futex.atomic_add(self._address, 1)

    def unregister(self):
        _futex.atomic_add(self._address, -1)

    def count(self):
        return struct.unpack_from("<I", self._map, SLEEPERS_OFFSET)[0]

    def close(self):
        self._map.close()


def open_sleepers(region_path):
    """Opens (creating it if missing) the sleepers file beside ``region_path``; None, after a
    logged warning, where it cannot be used: the caller then polls instead of sleeping."""
    path = path_of(region_path)
    try:
        try:
            return _map(path)
        except FileNotFoundError:
            _create(path, region_path)
            return _map(path)
    except (OSError, ValueError) as e:
        _LOG.warning("shm4j: cannot use the sleepers file %s (%s); waiting polls instead of sleeping",
                     path, e)
        return None


def _create(path, region_path):
    # 0660 where the region's group may read it, so that every follower may register (3.3).
    group_reads = os.stat(region_path).st_mode & 0o040
    mode = _files.GROUP_WRITE if group_reads else _files.OWNER_ONLY
    try:
        fd = _files.create_atomically(path, FILE_LENGTH, mode,
                                      lambda fd: os.pwrite(fd, MAGIC + struct.pack("<I", FORMAT_VERSION), 0))
    except FileExistsError:
        return  # another process created it first: use theirs
    os.close(fd)


def _map(path):
    fd = _files.open_regular(path, True, "the sleepers file")
    try:
        problem = _problem(path, os.fstat(fd).st_size, os.pread(fd, SLEEPERS_OFFSET, 0))
        if problem:
            raise ValueError(problem)
        m = mmap.mmap(fd, FILE_LENGTH, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE)
    finally:
        os.close(fd)
    return Sleepers(path, m)


def _problem(path, size, head):
    """Why a file of ``size`` bytes starting with ``head`` is not a sleepers file; None if it is."""
    if size != FILE_LENGTH:
        return ("%s is %d bytes, not a shm4j sleepers file of %d; remove it "
                "(followers and masters recreate it)" % (path, size, FILE_LENGTH))
    if head[:8] != MAGIC or struct.unpack_from("<I", head, 8)[0] != FORMAT_VERSION:
        return ("%s is not a shm4j sleepers file of format version %d; remove it "
                "(followers and masters recreate it)" % (path, FORMAT_VERSION))
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
