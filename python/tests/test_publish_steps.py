"""The seqlock by construction, the port of Java's PublishStepsTest: a writer stopped after each
step of a publish (docs/FORMAT.md 5.1) and of a growth (5.4), and what the follower returns at
each point. A model writer applies the steps to a real region file as FORMAT.md lists them (a
master killed at that instruction leaves exactly this file); each state is read by a follower
that was reading all along and by a new one."""
import os
import struct
import time
import zlib

import shm4j
from shm4j._format import (COMMITTED_OFFSET, FILE_LENGTH_OFFSET, FLAGS_OFFSET, FLAG_SUPERSEDED,
                           HEADER_LENGTH, MIN_SLOT_CAPACITY, NOTIFY_OFFSET, SLOT_CAPACITY_OFFSET,
                           SLOT_CRC_OFFSET, SLOT_HEADER_LENGTH, ContentType, capacity_for, file_length,
                           slot_offset)
from tests.support import RegionTestCase

_U64 = struct.Struct("<Q")
_U32 = struct.Struct("<I")
_FIELDS = struct.Struct("<QIIqI")  # version, length, contentType, publishTime, crc32


class PublishStepsTest(RegionTestCase):

    def region_with_two_versions(self, tag):
        with shm4j.Master(tag, self.dir) as m:
            m.publish_bytes(b"one", ContentType.TEXT)
            m.publish_bytes(b"two", ContentType.TEXT)

    def u64(self, tag, offset):
        return _U64.unpack(self.peek(tag, offset, 8))[0]

    def fields(self, tag, slot, version, payload, crc=None):
        """FORMAT.md 5.1's field writes (payload, version, length, contentType, publishTime, crc32), not seq;
        ``crc`` in place of the payload's CRC-32 (as a slot holds before a master stores it after the seq)."""
        self.poke(tag, slot + SLOT_HEADER_LENGTH, payload)
        self.poke(tag, slot + 8, _FIELDS.pack(version, len(payload), ContentType.TEXT,
                                              time.time_ns(), zlib.crc32(payload) if crc is None else crc))

    def walk(self, tag, steps):
        seen = []
        with shm4j.Follower(tag, self.dir) as follower:
            self.assertEqual("two", follower.get())
            for name, apply, version, text in steps:
                apply()
                seen.append(name)
                where = "after: " + ", ".join(seen)
                self.assertEqual(text, follower.get(), where)
                self.assertEqual(version, follower.snapshot().version, where)
                with shm4j.Follower(tag, self.dir) as fresh:
                    self.assertEqual(text, fresh.get(), where + " (new follower)")
                    self.assertEqual(version, fresh.version, where + " (new follower)")

    def test_a_reader_returns_the_last_committed_version_until_committed_moves(self):
        tag = "steps"
        self.region_with_two_versions(tag)
        slot = slot_offset(MIN_SLOT_CAPACITY, 3 & 1)
        three = b"three, a longer payload than the others"
        seq = self.u64(tag, slot)
        notify = _U32.unpack(self.peek(tag, NOTIFY_OFFSET, 4))[0]
        self.walk(tag, [
            ("seq made odd", lambda: self.poke(tag, slot, _U64.pack(seq + 1)), 2, "two"),
            ("half the payload written",
             lambda: self.poke(tag, slot + SLOT_HEADER_LENGTH, three[:len(three) // 2]), 2, "two"),
            ("payload and fields written, seq still odd", lambda: self.fields(tag, slot, 3, three), 2, "two"),
            ("seq even again", lambda: self.poke(tag, slot, _U64.pack(seq + 2)), 2, "two"),
            ("committed moved, not yet signalled",
             lambda: self.poke(tag, COMMITTED_OFFSET, _U64.pack(3)), 3, three.decode()),
            ("notify incremented", lambda: self.poke(tag, NOTIFY_OFFSET, _U32.pack(notify + 1)), 3, three.decode()),
        ])

    def test_a_crc_stored_after_the_seq_counts_only_once_committed_moves(self):
        # The Java master's order for large payloads (FORMAT.md 5.1, "crc32 after the seq").
        tag = "crc-after-seq"
        self.region_with_two_versions(tag)
        slot = slot_offset(MIN_SLOT_CAPACITY, 3 & 1)
        three = b"three, its CRC-32 stored after the seq"
        seq = self.u64(tag, slot)
        stale = zlib.crc32(b"one")  # the CRC-32 of the version the slot held before
        self.walk(tag, [
            ("seq made odd", lambda: self.poke(tag, slot, _U64.pack(seq + 1)), 2, "two"),
            ("payload and fields but crc32 written, seq still odd",
             lambda: self.fields(tag, slot, 3, three, crc=stale), 2, "two"),
            ("seq even again, crc32 still version 1's", lambda: self.poke(tag, slot, _U64.pack(seq + 2)), 2, "two"),
            ("crc32 stored", lambda: self.poke(tag, slot + SLOT_CRC_OFFSET, _U32.pack(zlib.crc32(three))), 2, "two"),
            ("committed moved", lambda: self.poke(tag, COMMITTED_OFFSET, _U64.pack(3)), 3, three.decode()),
        ])

    def test_a_reader_stays_on_the_old_file_until_the_rename_then_reads_the_grown_one(self):
        tag = "growth"
        self.region_with_two_versions(tag)
        cap = capacity_for(2 * MIN_SLOT_CAPACITY, MIN_SLOT_CAPACITY)
        grow = tag + "~grow.1"
        big = b"x" * (2 * MIN_SLOT_CAPACITY)
        slot = slot_offset(cap, 3 & 1)

        def create_grown():
            header = bytearray(self.peek(tag, 0, HEADER_LENGTH))
            _U64.pack_into(header, SLOT_CAPACITY_OFFSET, cap)
            _U64.pack_into(header, FILE_LENGTH_OFFSET, file_length(cap))
            _U32.pack_into(header, FLAGS_OFFSET, 0)
            _U32.pack_into(header, NOTIFY_OFFSET, 0)
            _U64.pack_into(header, COMMITTED_OFFSET, 0)
            with open(self.path(grow), "wb") as f:
                f.write(header + bytes(file_length(cap) - HEADER_LENGTH))

        def commit_in_grown():
            self.poke(grow, slot, _U64.pack(1))
            self.fields(grow, slot, 3, big)
            self.poke(grow, slot, _U64.pack(2))
            self.poke(grow, COMMITTED_OFFSET, _U64.pack(3))

        self.walk(tag, [
            ("grown file created and reserved, header written", create_grown, 2, "two"),
            ("version 3 written into the grown file and committed there", commit_in_grown, 2, "two"),
            ("old file flagged SUPERSEDED, not yet renamed",
             lambda: self.poke(tag, FLAGS_OFFSET, _U32.pack(FLAG_SUPERSEDED)), 2, "two"),
            ("grown file renamed over the tag",
             lambda: os.rename(self.path(grow), self.path(tag)), 3, big.decode()),
        ])
