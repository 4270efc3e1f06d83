"""CPython's side of io.shm4j.python.MappedRegionDifferentialTest: runs operation sequences on
``mmap.mmap`` and prints what each did, for the Java test to compare with MappedRegion.

    python3 -m tests.mmap_diff < sequences.json

Input, one JSON document::

    {"dir": DIR, "sequences": [{"id": N, "access": "WRITE" | "READ" | "COPY", "file": HEX,
                                "length": L, "ops": [[NAME, ARG, ...], ...]}, ...]}

Each sequence writes the bytes ``file`` to a new file in DIR, maps it with
``mmap.mmap(fd, L, access=...)``, runs ``ops`` in order and removes the file. An op is a method
name and its arguments (bytes as hex), except ``len`` (``len(m)``), ``get`` [OFFSET, COUNT]
(``m[OFFSET:OFFSET + COUNT]``) and ``put`` [OFFSET, HEX] (``m[OFFSET:OFFSET + len(data)] = data``).

Output, one JSON line per sequence: ``{"id": N, "steps": [[RESULT, TELL, LEN], ...], "file": HEX}``
with, per op, ``tell()`` and ``len(m)`` after it, and the file's bytes after ``close()``.
RESULT is ``b:HEX`` (bytes), ``i:N`` (int), ``none``, ``!NAME`` (the class of the exception
raised), or ``outside``: a get or put whose range is not inside the map, which MappedRegion
refuses by design while a Python slice would clamp it or count from the end (put then does
not run, so that both sides keep the same bytes).
"""
import json
import mmap
import os
import sys

ACCESS = {"WRITE": mmap.ACCESS_WRITE, "READ": mmap.ACCESS_READ, "COPY": mmap.ACCESS_COPY}


def inside(m, offset, count):
    return 0 <= offset and 0 <= count and offset + count <= len(m)


def get(m, offset, count):
    if not inside(m, offset, count):
        return "outside"
    return m[offset:offset + count]


def put(m, access, offset, data):
    n = len(data)
    # CPython accepts a slice assignment whenever the slice, clamped, has len(data) bytes.
    accepted = len(range(*slice(offset, offset + n).indices(len(m)))) == n
    if access != "READ" and accepted and not inside(m, offset, n):
        return "outside"
    m[offset:offset + n] = data
    return None


def call(m, access, op):
    name, args = op[0], op[1:]
    if name == "len":
        return len(m)
    if name == "get":
        return get(m, *args)
    if name == "put":
        return put(m, access, args[0], bytes.fromhex(args[1]))
    if name in ("write", "find", "rfind"):
        args = [bytes.fromhex(args[0])] + args[1:]
    return getattr(m, name)(*args)


def encode(value):
    if value is None:
        return "none"
    if isinstance(value, bytes):
        return "b:" + value.hex()
    if isinstance(value, int):
        return "i:%d" % value
    return value


def run(directory, seq):
    path = os.path.join(directory, "py-%d" % seq["id"])
    with open(path, "wb") as f:
        f.write(bytes.fromhex(seq["file"]))
    fd = os.open(path, os.O_RDONLY if seq["access"] == "READ" else os.O_RDWR)
    try:
        m = mmap.mmap(fd, seq["length"], access=ACCESS[seq["access"]])
    finally:
        os.close(fd)
    steps = []
    with m:
        for op in seq["ops"]:
            try:
                result = encode(call(m, seq["access"], op))
            except Exception as e:  # the class name is the result compared
                result = "!" + type(e).__name__
            steps.append([result, m.tell(), len(m)])
    with open(path, "rb") as f:
        final = f.read()
    os.remove(path)
    return {"id": seq["id"], "steps": steps, "file": final.hex()}


def main():
    request = json.load(sys.stdin)
    for seq in request["sequences"]:
        print(json.dumps(run(request["dir"], seq)), flush=True)


if __name__ == "__main__":
    main()
