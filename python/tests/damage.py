"""A randomly damaged copy of an object region file with minimum-capacity slots, for the fuzz
tests (the library's and the CLI's), as the Java ``RegionDamage`` makes them: a few random bytes
anywhere, a header field or a slot header field set to an edge or random value, a payload byte
flipped, or the file truncated. Draws from a ``random.Random``, so a seed repeats the damages."""
import struct

from shm4j._format import (COMMITTED_OFFSET, FILE_LENGTH_OFFSET, FLAGS_OFFSET,
                           FORMAT_VERSION_OFFSET, GENERATION_OFFSET, HEADER_LENGTH,
                           HEADER_LENGTH_OFFSET, MASTER_PID_OFFSET, MASTER_START_OFFSET,
                           MIN_SLOT_CAPACITY, NOTIFY_OFFSET, SLOT_CAPACITY_OFFSET,
                           SLOT_CONTENT_TYPE_OFFSET, SLOT_CRC_OFFSET, SLOT_HEADER_LENGTH,
                           SLOT_LENGTH_OFFSET, SLOT_PUBLISH_TIME_OFFSET, SLOT_SEQ_OFFSET,
                           SLOT_VERSION_OFFSET, slot_offset)

# Header and slot-header fields a reader interprets: where targeted damage goes.
FIELDS = (FORMAT_VERSION_OFFSET, HEADER_LENGTH_OFFSET, SLOT_CAPACITY_OFFSET, FILE_LENGTH_OFFSET,
          FLAGS_OFFSET, NOTIFY_OFFSET, MASTER_PID_OFFSET, MASTER_START_OFFSET, GENERATION_OFFSET,
          COMMITTED_OFFSET)
SLOT_FIELDS = (SLOT_SEQ_OFFSET, SLOT_VERSION_OFFSET, SLOT_LENGTH_OFFSET, SLOT_CONTENT_TYPE_OFFSET,
               SLOT_PUBLISH_TIME_OFFSET, SLOT_CRC_OFFSET)
NARROW_FIELDS = (FORMAT_VERSION_OFFSET, HEADER_LENGTH_OFFSET, FLAGS_OFFSET, NOTIFY_OFFSET)
NARROW_SLOT_FIELDS = (SLOT_LENGTH_OFFSET, SLOT_CONTENT_TYPE_OFFSET, SLOT_CRC_OFFSET)
EDGE_VALUES = (0, 1, 2, 3, -1, 2**31 - 1, -2**31, 2**63 - 1, -2**63, 4032, 4033, 1 << 32)
SLOT_SIZE = SLOT_HEADER_LENGTH + MIN_SLOT_CAPACITY


def damage(pristine, rnd):
    """A damaged copy of ``pristine``, and whether the damage may have changed a slot's
    content type field."""
    b = bytearray(pristine)
    kind = rnd.randrange(5)
    if kind == 0:  # a few random bytes anywhere
        content_type_hit = False
        for _ in range(1 + rnd.randrange(8)):
            at = rnd.randrange(len(b))
            b[at] = rnd.randrange(256)
            content_type_hit |= is_slot_content_type(at, 1)
        return bytes(b), content_type_hit
    if kind == 1:  # a header field
        put_field(b, FIELDS[rnd.randrange(len(FIELDS))], value(rnd))
        return bytes(b), False
    if kind == 2:  # a field of either slot's header
        field = HEADER_LENGTH + rnd.randrange(2) * SLOT_SIZE + SLOT_FIELDS[rnd.randrange(len(SLOT_FIELDS))]
        put_field(b, field, value(rnd))
        return bytes(b), is_slot_content_type(field, 1)
    if kind == 3:  # a payload byte of either slot
        payload = HEADER_LENGTH + rnd.randrange(2) * SLOT_SIZE + SLOT_HEADER_LENGTH
        b[payload + rnd.randrange(64)] ^= 1 + rnd.randrange(255)
        return bytes(b), False
    return bytes(b[:rnd.randrange(len(b))]), False  # truncated


def is_slot_content_type(offset, width):
    """Whether ``[offset, offset + width)`` overlaps either slot's content type field."""
    for slot in (0, 1):
        field = slot_offset(MIN_SLOT_CAPACITY, slot) + SLOT_CONTENT_TYPE_OFFSET
        if offset < field + 4 and field < offset + width:
            return True
    return False


def value(rnd):
    """An edge value or a random one, as a signed 64-bit integer."""
    if rnd.randrange(2):
        return EDGE_VALUES[rnd.randrange(len(EDGE_VALUES))]
    return rnd.getrandbits(64) - 2**63


def put_field(b, offset, v):
    """Writes ``v`` little-endian, 4 or 8 bytes as the field is wide (truncated to the width)."""
    narrow = (offset in NARROW_FIELDS
              or (offset >= HEADER_LENGTH and (offset - HEADER_LENGTH) % SLOT_SIZE in NARROW_SLOT_FIELDS))
    if narrow:
        struct.pack_into("<I", b, offset, v & 0xFFFFFFFF)
    else:
        struct.pack_into("<Q", b, offset, v & 0xFFFFFFFFFFFFFFFF)

