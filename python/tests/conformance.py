"""Conformance vectors (shm4j-python/src/test/resources/conformance/vectors.json): region files
written by one language that the other must read to the byte.

    python3 -m tests.conformance write DIR   write every vector's region into DIR (Python master)
    python3 -m tests.conformance check DIR   check every region in DIR; prints problems, exit 1 if any

The Java side (io.shm4j.python.ConformanceVectorsTest) writes and checks the same vectors;
checked-in files: conformance/java (written by Java) and conformance/python (by Python).
"""
import json
import os
import shutil
import struct
import sys
import tempfile
import zlib

import shm4j
from shm4j import _registry
from shm4j._format import (HEADER_LENGTH, HEADER_STRUCT, MAGIC, MIN_SLOT_CAPACITY,
                           SLOT_FIELDS_STRUCT, SLOT_HEADER_LENGTH, ContentType, capacity_for,
                           file_length, slot_offset)
from tests.support import PYTHON_DIR

RESOURCES = os.path.join(os.path.dirname(PYTHON_DIR), "shm4j-python", "src", "test", "resources",
                         "conformance")


def vectors():
    with open(os.path.join(RESOURCES, "vectors.json"), encoding="utf-8") as f:
        return json.load(f)["vectors"]


def payload(entry):
    """(ContentType, exact payload bytes) of one publish."""
    if "hex" in entry:
        data = bytes.fromhex(entry["hex"])
    elif "repeat" in entry:
        data = (entry["repeat"] * entry["count"]).encode("utf-8")
    else:
        data = entry["text"].encode("utf-8")
    return ContentType[entry["type"]], data


def write(directory):
    """Writes every vector's region into ``directory``, replacing files of the same tags."""
    for vector in vectors():
        for name in (vector["tag"], vector["tag"] + _registry.SUFFIX):  # a fresh registry too
            try:
                os.unlink(os.path.join(directory, name))
            except FileNotFoundError:
                pass
        if not vector["publish"]:
            shm4j.Master(vector["tag"], directory).close()
        for entry in vector["publish"]:
            content_type, data = payload(entry)
            with shm4j.Master(vector["tag"], directory) as m:
                m.publish_bytes(data, content_type)
        if "follower" in vector:
            register_reader(directory, vector["tag"], vector["follower"])


def register_reader(directory, tag, name):
    """A follower named ``name`` reads ``tag``'s last version; the registry file is kept as it
    was while the follower was registered (closing it frees the entry)."""
    path = _registry.path_of(os.path.join(directory, tag))
    with shm4j.Follower(tag, directory, name=name) as f:
        f.get()
        with open(path, "rb") as fh:
            registered = fh.read()
    with open(path, "r+b") as fh:
        fh.write(registered)


def check_registry(directory, vector, committed, expect):
    """The registry of a vector with a follower: the header, one entry, everything else zero."""
    with open(_registry.path_of(os.path.join(directory, vector["tag"])), "rb") as f:
        raw = f.read()
    expect("registry size", _registry.FILE_LENGTH, len(raw))
    expect("registry header", (b"SHM4JFLW", 1, 128, 256), struct.unpack_from("<8sIII", raw, 0))
    expect("registry reserved bytes and asleep bitmap", bytes(108), raw[20:128])
    e = _registry.ENTRIES_OFFSET
    pid, start, registered, seen, seen_at, state, language = struct.unpack_from("<qqqQqII", raw, e)
    expect("entry 0 pid > 0", True, pid > 0)
    expect("entry 0 start > 0", True, start > 0)
    expect("entry 0 registered > 0", True, registered > 0)
    expect("entry 0 seenVersion", committed, seen)
    expect("entry 0 seenAt > 0", True, seen_at > 0)
    expect("entry 0 state", 0, state)
    expect("entry 0 language (1 Java, 2 Python)", True, language in (1, 2))
    expect("entry 0 reserved bytes", bytes(16), raw[e + 48:e + 64])
    name = vector["follower"].encode("utf-8")
    expect("entry 0 name", name + bytes(64 - len(name)), raw[e + 64:e + 128])
    expect("entries 1..255", bytes(len(raw) - e - 128), raw[e + 128:])


def check(directory, vector):
    """What is wrong with ``vector``'s region file in ``directory`` (empty list: nothing)."""
    tag, published = vector["tag"], [payload(e) for e in vector["publish"]]
    with open(os.path.join(directory, tag), "rb") as f:
        raw = f.read()
    problems = []

    def expect(what, expected, actual):
        if expected != actual:
            problems.append("%s: %s is %r, expected %r" % (tag, what, actual, expected))

    # Which versions the final file holds: growth starts a new file with the version that grew it.
    cap, first_in_file = MIN_SLOT_CAPACITY, 1
    for version, (_, data) in enumerate(published, 1):
        if len(data) > cap:
            cap, first_in_file = capacity_for(len(data), cap), version
    committed = len(published)
    expect("magic", MAGIC, raw[:8])
    (fmt, header_length, slot_capacity, flen, flags, _notify, master_pid, _start, generation,
     committed_field, created) = HEADER_STRUCT.unpack_from(raw, 8)
    expect("formatVersion", 1, fmt)
    expect("headerLength", HEADER_LENGTH, header_length)
    expect("slotCapacity", cap, slot_capacity)
    expect("fileLength", file_length(cap), flen)
    expect("file size", file_length(cap), len(raw))
    expect("flags", 0, flags)
    expect("generation", max(1, committed), generation)
    expect("committed", committed, committed_field)
    expect("masterPid > 0", True, master_pid > 0)
    expect("created > 0", True, created > 0)
    expect("reserved header bytes", bytes(48), raw[80:128])
    for index in (0, 1):
        base = slot_offset(cap, index)
        seq, = struct.unpack_from("<Q", raw, base)
        version, length, ctype, ptime, crc = SLOT_FIELDS_STRUCT.unpack_from(raw, base + 8)
        held = [v for v in range(first_in_file, committed + 1) if v % 2 == index]
        what = "slot %d" % index
        expect(what + " reserved bytes", bytes(28), raw[base + 36:base + 64])
        if not held:
            expect(what + " (never written)", (0, 0, 0, 0, 0, 0), (seq, version, length, ctype, ptime, crc))
            continue
        v = held[-1]
        ctype_expected, data = published[v - 1]
        expect(what + " seq", 2 * len(held), seq)
        expect(what + " version", v, version)
        expect(what + " length", len(data), length)
        expect(what + " contentType", int(ctype_expected), ctype)
        expect(what + " crc32", zlib.crc32(data), crc)
        expect(what + " publishTime > 0", True, ptime > 0)
        start = base + SLOT_HEADER_LENGTH
        expect(what + " payload", data, raw[start:start + length])
    if "follower" in vector:
        check_registry(directory, vector, committed, expect)
    # A follower registers and may reclaim entries: it reads a copy, never the checked files.
    with tempfile.TemporaryDirectory() as copy:
        shutil.copyfile(os.path.join(directory, tag), os.path.join(copy, tag))
        try:
            with shm4j.Follower(tag, copy) as f:
                snap = f.snapshot()
        except shm4j.Shm4jError as e:
            return problems + ["%s: the follower refuses it: %s" % (tag, e)]
    if committed == 0:
        expect("snapshot", None, snap)
    else:
        expect("snapshot", (committed,) + published[-1], (snap.version, snap.content_type, snap.data))
    return problems


def check_all(directory):
    return [p for vector in vectors() for p in check(directory, vector)]


if __name__ == "__main__":
    command, directory = sys.argv[1:3]
    if command == "write":
        os.makedirs(directory, exist_ok=True)
        write(directory)
    else:
        found = check_all(directory)
        for problem in found:
            print(problem)
        print("conformance: %d vectors, %d problems" % (len(vectors()), len(found)))
        sys.exit(1 if found else 0)
