"""The follower against valid and damaged region files: each damage a clear exception, never
wrong data (docs/FORMAT.md sections 4 and 5.2)."""
import json
import os
import struct
import unittest

import shm4j
from shm4j._format import (COMMITTED_OFFSET, FLAGS_OFFSET, FORMAT_VERSION_OFFSET,
                           MIN_SLOT_CAPACITY, SLOT_CAPACITY_OFFSET, SLOT_CRC_OFFSET,
                           SLOT_HEADER_LENGTH, SLOT_LENGTH_OFFSET, SLOT_VERSION_OFFSET,
                           FLAG_SUPERSEDED, file_length, slot_offset)
from tests.support import RegionTestCase


def slot_base(version):
    return slot_offset(MIN_SLOT_CAPACITY, version & 1)


class FollowerTest(RegionTestCase):

    def publish(self, tag, *objects):
        with shm4j.Master(tag, self.dir) as m:
            for obj in objects:
                m.publish(obj)
            return m.version

    def publish_bytes(self, tag, data):
        with shm4j.Master(tag, self.dir) as m:
            m.publish_bytes(data, shm4j.ContentType.RAW)

    def test_reads_the_newest_version_and_its_metadata(self):
        self.publish("cfg", {"a": 1}, {"a": 2, "s": "é"})
        with shm4j.Follower("cfg", self.dir) as f:
            self.assertEqual({"a": 2, "s": "é"}, f.get())
            snap = f.snapshot()
            self.assertEqual(2, snap.version)
            self.assertEqual(shm4j.ContentType.JSON, snap.content_type)
            self.assertEqual('{"a":2,"s":"é"}'.encode(), snap.data)
            self.assertGreater(snap.publish_time_ns, 1_600_000_000 * 10**9)
            self.assertEqual(2, f.version)
            self.assertFalse(f.has_newer(2))
            self.assertTrue(f.has_newer(1))

    def test_get_returns_the_cached_object_until_a_new_version(self):
        with shm4j.Master("cfg", self.dir) as m, shm4j.Follower("cfg", self.dir) as f:
            self.assertIsNone(f.get())
            self.assertIsNone(f.snapshot())
            m.publish({"a": [1]})
            first = f.get()
            self.assertIs(first, f.get())
            m.publish({"a": [2]})
            self.assertEqual({"a": [2]}, f.get())
            self.assertIsNot(first, f.get())

    def test_text_and_raw_payloads_decode_by_content_type(self):
        with shm4j.Master("t", self.dir) as m, shm4j.Follower("t", self.dir) as f:
            m.publish_bytes("héllo".encode(), shm4j.ContentType.TEXT)
            self.assertEqual("héllo", f.get())
            m.publish_bytes(b"\x00\xff", shm4j.ContentType.RAW)
            self.assertEqual(b"\x00\xff", f.get())

    def test_missing_region_and_invalid_tag(self):
        with self.assertRaisesRegex(shm4j.RegionNotFoundError, "no region 'absent' .*create it first"):
            shm4j.Follower("absent", self.dir)
        for bad in ("", ".", "..", "a/b", "a~b", "x" * 201, "é"):
            with self.assertRaises(shm4j.InvalidTagError, msg=bad):
                shm4j.Follower(bad, self.dir)

    def test_a_follower_name_is_at_most_64_bytes_without_control_characters(self):
        with shm4j.Master("t", self.dir) as m:
            m.publish(1)
        for bad in ("two\nlines", "nul\0", "tab\t", "del\x7f", "c1\x85", "é" * 33):
            for register in (True, False):
                with self.subTest(name=bad, register=register):
                    with self.assertRaisesRegex(ValueError, "is not 0-64 bytes of UTF-8 without control characters"):
                        shm4j.Follower("t", self.dir, name=bad, register=register)
        with self.assertRaises(ValueError):
            shm4j.Follower("absent", self.dir, name="bad\n")  # before the region is looked for
        self.assertEqual([], shm4j.followers("t", self.dir))
        with shm4j.Follower("t", self.dir, name="é" * 32):
            self.assertEqual(["é" * 32], [f["name"] for f in shm4j.followers("t", self.dir)])

    def test_an_odd_seq_under_an_unchanged_committed_is_corrupt_at_once(self):
        # The master writes slot v % 2 again only after committing v + 1 (FORMAT.md 5.2): an odd
        # seq in the committed slot that stays so is damage, reported without waiting 5 s.
        self.publish("torn", {"v": 1})
        base = slot_base(1)
        seq = struct.unpack("<Q", self.peek("torn", base, 8))[0]
        self.poke("torn", base, struct.pack("<Q", seq + 1))
        with shm4j.Follower("torn", self.dir) as f:
            # CorruptRegionError, not the ConsistencyError of a read that ran out of retries
            with self.assertRaisesRegex(shm4j.CorruptRegionError, "slot 1 is corrupt: its sequence number is "
                                        "odd \\(mid-write\\) although it holds committed version 1;"):
                f.get()
            with self.assertRaises(shm4j.CorruptRegionError):
                f.snapshot()
            self.poke("torn", base, struct.pack("<Q", seq + 2))  # whole again: read, not cached as bad
            self.assertEqual({"v": 1}, f.get())

    def test_a_slot_holding_a_version_newer_than_committed_is_corrupt_at_once(self):
        # Legitimately seen only while committed moves on (the slot reused for v + 2); with
        # committed and seq unchanged it is damage (FORMAT.md 5.2).
        self.publish("newer", {"v": 1})
        self.poke("newer", slot_base(1) + SLOT_VERSION_OFFSET, struct.pack("<Q", 3))
        with shm4j.Follower("newer", self.dir) as f:
            # CorruptRegionError, not the ConsistencyError of a read that ran out of retries
            with self.assertRaisesRegex(shm4j.CorruptRegionError, "slot 1 is corrupt: holds version 3 where 1 "
                                        "was committed"):
                f.snapshot()

    def test_the_other_slot_being_written_does_not_disturb_readers(self):
        self.publish("other", {"v": 1})
        self.poke("other", slot_base(2), struct.pack("<Q", 7))
        with shm4j.Follower("other", self.dir) as f:
            self.assertEqual({"v": 1}, f.get())

    def test_crc_mismatch_is_corrupt(self):
        self.publish("crc", {"v": 1})
        start = slot_base(1) + SLOT_HEADER_LENGTH
        self.poke("crc", start + 2, b"X")
        with shm4j.Follower("crc", self.dir) as f:
            with self.assertRaisesRegex(shm4j.CorruptRegionError, "slot 1 is corrupt: CRC-32 mismatch"):
                f.get()
        self.poke("crc", slot_base(1) + SLOT_CRC_OFFSET, b"\x00\x00\x00\x00")
        with shm4j.Follower("crc", self.dir) as f, self.assertRaises(shm4j.CorruptRegionError):
            f.snapshot()

    def test_without_verification_a_damaged_payload_is_returned_as_it_is_and_other_checks_hold(self):
        # verify=False (Java: withVerifyChecksums(false)) skips only the CRC-32 (FORMAT.md 5.2).
        self.publish_bytes("trust", b"hello")
        self.poke("trust", slot_base(1) + SLOT_HEADER_LENGTH, b"j")
        with shm4j.Follower("trust", self.dir) as f:
            with self.assertRaisesRegex(shm4j.CorruptRegionError, "CRC-32 mismatch"):
                f.get()
        with shm4j.Follower("trust", self.dir, verify=False) as f:
            self.assertEqual(b"jello", f.get())
            self.assertEqual(b"jello", f.snapshot().data)
        self.poke("trust", slot_base(1) + SLOT_LENGTH_OFFSET, struct.pack("<I", MIN_SLOT_CAPACITY + 1))
        with shm4j.Follower("trust", self.dir, verify=False) as f:
            with self.assertRaisesRegex(shm4j.CorruptRegionError, "exceeds slot capacity"):
                f.get()

    def test_slot_length_beyond_capacity_is_corrupt(self):
        self.publish("len", {"v": 1})
        self.poke("len", slot_base(1) + SLOT_LENGTH_OFFSET, struct.pack("<I", MIN_SLOT_CAPACITY + 1))
        with shm4j.Follower("len", self.dir) as f:
            with self.assertRaisesRegex(shm4j.CorruptRegionError, "slot 1 is corrupt: length 4033 exceeds slot capacity 4032"):
                f.get()

    def test_committed_naming_a_slot_with_an_older_version_is_corrupt(self):
        self.publish("ver", {"v": 1}, {"v": 2})
        self.poke("ver", COMMITTED_OFFSET, struct.pack("<Q", 4))  # slot 0 holds 2
        with shm4j.Follower("ver", self.dir) as f:
            with self.assertRaisesRegex(shm4j.CorruptRegionError, "slot 0 is corrupt: holds version 2 where 4 was committed"):
                f.get()

    def test_header_damage_is_refused(self):
        cases = [
            ("magic", 0, b"NOTSHM4J", "not a shm4j object region"),
            ("version", FORMAT_VERSION_OFFSET, struct.pack("<I", 2), "has format version 2; this shm4j reads version 1"),
            ("capacity", SLOT_CAPACITY_OFFSET, struct.pack("<Q", 100), "header field out of range"),
        ]
        for tag, offset, data, message in cases:
            with self.subTest(tag):
                self.publish(tag, {"v": 1})
                self.poke(tag, offset, data)
                with self.assertRaisesRegex(shm4j.CorruptRegionError, message):
                    shm4j.Follower(tag, self.dir)

    def test_truncated_files_are_refused(self):
        for tag, size in (("short-header", 100), ("short-slots", file_length(MIN_SLOT_CAPACITY) - 1)):
            with self.subTest(tag):
                self.publish(tag, {"v": 1})
                os.truncate(self.path(tag), size)  # nobody maps it now
                with self.assertRaisesRegex(shm4j.CorruptRegionError, "truncated"):
                    shm4j.Follower(tag, self.dir)

    def test_a_json_payload_that_is_not_json_is_refused_with_its_version(self):
        with shm4j.Master("bad", self.dir) as m, shm4j.Follower("bad", self.dir) as f:
            m.publish_bytes(b"{not json", shm4j.ContentType.JSON)
            with self.assertRaisesRegex(shm4j.InvalidObjectError, "version 1 .* not valid JSON"):
                f.get()
            self.assertEqual(b"{not json", f.snapshot().data)

    def test_json_nested_deeper_than_python_parses_is_refused_with_its_version(self):
        deep = b"[" * 100_000 + b"]" * 100_000  # valid JSON, beyond any recursion limit
        with shm4j.Master("deep", self.dir) as m, shm4j.Follower("deep", self.dir) as f:
            m.publish_bytes(deep, shm4j.ContentType.JSON)
            with self.assertRaisesRegex(shm4j.InvalidObjectError, "version 1 .* not valid JSON: nested deeper"):
                f.get()
            with self.assertRaisesRegex(ValueError, "nested deeper"):
                f.snapshot().value()

    def test_json_payloads_decode_as_json_loads_decodes_them(self):
        # get() decodes UTF-8 itself; a BOM, UTF-16 or an encoded surrogate takes json.loads
        with shm4j.Master("enc", self.dir) as m, shm4j.Follower("enc", self.dir) as f:
            for data in (b'{"a":"\xc3\xa9"}', b'\xef\xbb\xbf{"a":1}', '{"a":2}'.encode("utf-16"),
                         b'["\xed\xa0\x80"]'):
                with self.subTest(data=data):
                    m.publish_bytes(data, shm4j.ContentType.JSON)
                    self.assertEqual(json.loads(data), f.get())
                    self.assertEqual(json.loads(data), f.snapshot().value())

    def test_follows_growth_into_a_new_file_without_missing_the_version(self):
        with shm4j.Master("grow", self.dir) as m, shm4j.Follower("grow", self.dir) as f:
            m.publish({"small": True})
            self.assertEqual({"small": True}, f.get())
            old_inode = os.stat(self.path("grow")).st_ino
            big = {"big": "x" * 50_000}
            m.publish(big)
            self.assertNotEqual(old_inode, os.stat(self.path("grow")).st_ino)
            self.assertEqual(big, f.get())
            self.assertEqual(2, f.version)
            self.assertEqual(["grow", "grow~followers", "grow~sleepers"], sorted(os.listdir(self.dir)))
            self.assertGreaterEqual(f.header().slot_capacity, 50_000)
            m.publish({"after": 1})
            self.assertEqual({"after": 1}, f.get())

    def test_growth_sets_superseded_on_the_old_file_and_wakes_its_waiters(self):
        with shm4j.Master("sup", self.dir) as m:
            m.publish(1)
            fd = os.open(self.path("sup"), os.O_RDONLY)
            try:
                notify_before = struct.unpack("<I", os.pread(fd, 4, FLAGS_OFFSET + 4))[0]
                m.publish("y" * 10_000)
                flags, notify = struct.unpack("<II", os.pread(fd, 8, FLAGS_OFFSET))
            finally:
                os.close(fd)
            self.assertEqual(FLAG_SUPERSEDED, flags)
            self.assertNotEqual(notify_before, notify)

    def test_superseded_flag_without_a_new_file_keeps_the_old_snapshot(self):
        # A master that died between flagging the old file and the rename (FORMAT.md 5.7).
        self.publish("half", {"v": 1})
        self.poke("half", FLAGS_OFFSET, struct.pack("<I", FLAG_SUPERSEDED))
        with shm4j.Follower("half", self.dir) as f:
            self.assertEqual({"v": 1}, f.get())
            self.assertFalse(f.wait_newer(1, 0.05))
            with shm4j.Master("half", self.dir) as m:  # the next master clears the flag
                self.assertEqual(0, struct.unpack("<I", self.peek("half", FLAGS_OFFSET, 4))[0])
                m.publish({"v": 2})
            self.assertEqual({"v": 2}, f.get())


if __name__ == "__main__":
    unittest.main()
