"""Byte layout of an object region (docs/FORMAT.md section 3); the names match the Java
``io.shm4j.internal.ObjectRegionDescriptor``. All integers are little-endian."""
import enum
import struct
from typing import NamedTuple

from .errors import CorruptRegionError

MAGIC = b"SHM4JOBJ"
FORMAT_VERSION = 1

# header
MAGIC_OFFSET = 0               # 8 bytes
FORMAT_VERSION_OFFSET = 8      # u32
HEADER_LENGTH_OFFSET = 12      # u32, = HEADER_LENGTH
SLOT_CAPACITY_OFFSET = 16      # u64
FILE_LENGTH_OFFSET = 24        # u64
FLAGS_OFFSET = 32              # u32
NOTIFY_OFFSET = 36             # u32 futex word
MASTER_PID_OFFSET = 40         # i64
MASTER_START_OFFSET = 48       # i64, ms since the epoch
GENERATION_OFFSET = 56         # u64
COMMITTED_OFFSET = 64          # u64
CREATED_OFFSET = 72            # i64, ms since the epoch
HEADER_LENGTH = 128

FLAG_SUPERSEDED = 1

# slot header, relative to the slot's start
SLOT_SEQ_OFFSET = 0            # u64
SLOT_VERSION_OFFSET = 8        # u64
SLOT_LENGTH_OFFSET = 16        # u32
SLOT_CONTENT_TYPE_OFFSET = 20  # u32
SLOT_PUBLISH_TIME_OFFSET = 24  # i64, ns since the epoch
SLOT_CRC_OFFSET = 32           # u32
SLOT_HEADER_LENGTH = 64

SLOT_ALIGNMENT = 64
MIN_SLOT_CAPACITY = 4096 - SLOT_HEADER_LENGTH
MAX_SLOT_CAPACITY = 2**31 - 1  # slot lengths are 32-bit; Java refuses larger capacities too

# Word indexes for the 8-byte ('Q') and 4-byte ('I') views of a mapping (offset // size).
FLAGS_WORD = FLAGS_OFFSET // 4
NOTIFY_WORD = NOTIFY_OFFSET // 4
COMMITTED_QWORD = COMMITTED_OFFSET // 8

# Header fields after the magic, in order: formatVersion .. created.
HEADER_STRUCT = struct.Struct("<IIQQIIqqQQq")
# Slot fields after seq: version, length, contentType, publishTime, crc32.
SLOT_FIELDS_STRUCT = struct.Struct("<QIIqI")


class ContentType(enum.IntEnum):
    """What a slot's payload is (slot field ``contentType``)."""
    RAW = 0
    JSON = 1
    TEXT = 2


def slot_offset(slot_capacity, index):
    """Offset of slot ``index`` (0 or 1)."""
    return HEADER_LENGTH + index * (SLOT_HEADER_LENGTH + slot_capacity)


def file_length(slot_capacity):
    """Total file length for a slot capacity."""
    return HEADER_LENGTH + 2 * (SLOT_HEADER_LENGTH + slot_capacity)


def capacity_for(length, current_capacity):
    """Smallest valid capacity holding ``length`` bytes, grown geometrically as Java grows it."""
    cap = max(MIN_SLOT_CAPACITY, current_capacity)
    while cap < length:
        cap = cap * 2 + SLOT_HEADER_LENGTH  # keeps slot header + payload a power of two
    return (cap + SLOT_ALIGNMENT - 1) & -SLOT_ALIGNMENT


class SlotFields(NamedTuple):
    """A slot's header fields as stored, for inspection."""
    seq: int
    version: int
    length: int
    content_type: int
    publish_time_ns: int
    crc32: int
    crc_ok: object  # True/False, or None if length is beyond the slot


class Header:
    """The 128-byte header, decoded. Only the geometry is fixed for a file's life; the other
    fields are a plain (unsynchronized) reading, good for display and for validation."""

    __slots__ = ("format_version", "header_length", "slot_capacity", "file_length", "flags",
                 "notify", "master_pid", "master_start", "generation", "committed", "created")

    def __init__(self, raw):
        (self.format_version, self.header_length, self.slot_capacity, self.file_length,
         self.flags, self.notify, self.master_pid, self.master_start, self.generation,
         self.committed, self.created) = HEADER_STRUCT.unpack_from(raw, 8)

    @property
    def superseded(self):
        return bool(self.flags & FLAG_SUPERSEDED)


def region_name(tag, path):
    """How messages name a region: ``TAG (PATH)``, as the Java library's do."""
    return "%s (%s)" % (tag, path)


def unreadable(tag, path, what):
    """The error for a file refused before reading it, worded as Java's ObjectRegion words it
    (the CLIs print the same line)."""
    return CorruptRegionError("region %s %s; nothing was read from it (remove it with `shm4j rm %s` "
                              "once no process uses it)" % (region_name(tag, path), what, tag))


def starts_like_object_region(raw):
    """Whether a file's first bytes (up to 8) begin an object region: an empty or short file
    whose bytes are a prefix of the magic counts as a truncated one, anything else as a file of
    another kind (Java's RegionHeader.startsLikeObjectRegion)."""
    start = bytes(raw[:len(MAGIC)])
    return MAGIC.startswith(start)


def validate_header(raw, actual_size, tag, path):
    """Checks a file's first bytes and size as docs/FORMAT.md section 4 orders; returns the
    decoded Header or raises CorruptRegionError naming region ``tag`` at ``path``."""
    if not starts_like_object_region(raw):
        # Never advise removing a file of another kind (Java's RegionHeader words it the same).
        raise CorruptRegionError("region %s is not a shm4j object region (bad magic): a raw region, which `shm4j "
                                 "dump %s` prints and MappedRegion reads, or another program's file; use another tag "
                                 "for a shared object" % (region_name(tag, path), tag))
    if actual_size < HEADER_LENGTH or len(raw) < HEADER_LENGTH:
        raise unreadable(tag, path, "is truncated: %d bytes, shorter than the %d-byte header"
                         % (actual_size, HEADER_LENGTH))
    header = Header(raw)
    if header.format_version != FORMAT_VERSION:
        raise CorruptRegionError(
            "region %s has format version %d; this shm4j reads version %d: use a matching shm4j or "
            "recreate the region" % (region_name(tag, path), header.format_version, FORMAT_VERSION))
    cap = header.slot_capacity
    if (header.header_length != HEADER_LENGTH or cap <= 0 or cap % SLOT_ALIGNMENT != 0
            or cap > MAX_SLOT_CAPACITY or header.file_length != file_length(cap)):
        raise unreadable(tag, path, "has a header field out of range (headerLength %d, slotCapacity %d, "
                                    "fileLength %d)" % (header.header_length, cap, header.file_length))
    if actual_size < header.file_length:
        raise unreadable(tag, path, "is truncated: %d bytes, the header says %d"
                         % (actual_size, header.file_length))
    return header
