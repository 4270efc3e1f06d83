"""The regions of a directory, as the library offers them (Java: ``SharedObject.list``,
``SharedObject.delete``, ``SharedObject.followers``)."""
import fcntl
import os
import stat
import struct

from . import _files, _proc, _registry
from ._format import COMMITTED_OFFSET, MAGIC, MASTER_PID_OFFSET, MASTER_START_OFFSET, SLOT_FIELDS_STRUCT, slot_offset
from .errors import MasterConflictError, RegionNotFoundError


def list_regions(directory=None):
    """The regions of the directory (``directory``, else ``$SHM4J_DIR``, else the default),
    sorted by tag, as dicts: ``tag``, ``path``, ``size``, ``modified_ns``, ``kind`` (``object``,
    ``truncated object`` or ``raw``), ``version``, ``master_pid``, ``master_alive``. Helper files
    (``TAG~...``) are skipped; a missing directory has none. Example::

        for r in shm4j.list_regions():
            print(r["tag"], r["kind"], r["version"])
    """
    d = _files.directory(directory)
    try:
        names = sorted(os.listdir(d))
    except FileNotFoundError:
        return []
    out = []
    for name in names:
        path = os.path.join(d, name)
        if not _files.is_tag(name):
            continue
        try:
            st = os.stat(path, follow_symlinks=False)
            if not stat.S_ISREG(st.st_mode):
                continue
            with open(path, "rb") as f:
                head = f.read(COMMITTED_OFFSET + 8)
        except FileNotFoundError:
            continue
        info = {"tag": name, "path": path, "size": st.st_size, "modified_ns": st.st_mtime_ns,
                "kind": "raw", "version": 0, "master_pid": 0, "master_alive": False}
        if head[:len(MAGIC)] == MAGIC:
            if len(head) < COMMITTED_OFFSET + 8:
                info["kind"] = "truncated object"
            else:
                pid, start = struct.unpack_from("<qq", head, MASTER_PID_OFFSET)
                info.update(kind="object", version=struct.unpack_from("<Q", head, COMMITTED_OFFSET)[0],
                            master_pid=pid, master_alive=_proc.is_alive(pid, start))
        out.append(info)
    return out


def delete(tag, directory=None, force=False):
    """Removes ``tag`` and its helper files (``TAG~...``: follower registry, stray growth files),
    refusing with MasterConflictError while its master runs unless ``force``. Returns whether the
    region existed. Processes that still map it keep their mapping until they close it, as after
    ``shared_memory.unlink()``."""
    d = _files.directory(directory)
    path = os.path.join(d, _files.validate_tag(tag))
    if not force and _master_running(path):
        pid = next((r["master_pid"] for r in list_regions(d) if r["tag"] == tag), 0)
        raise MasterConflictError(
            "refusing to delete region %s: its master, pid %d, is running; stop it first, "
            "or force the delete" % (tag, pid), pid)
    try:
        os.unlink(path)
        existed = True
    except FileNotFoundError:
        existed = False
    try:
        names = os.listdir(d)
    except FileNotFoundError:
        names = []
    for name in names:
        if name.startswith(tag + "~"):
            try:
                os.unlink(os.path.join(d, name))
            except FileNotFoundError:
                pass
    return existed


def _master_running(path):
    """Whether a master holds the region's lock: one of this process, or of another (a lock
    probe, released at once); where the file may not be opened for writing, the recorded
    master's liveness answers."""
    from . import _regionfile as rf
    with rf.LOCK:
        try:
            st = os.stat(path)
        except FileNotFoundError:
            return False
        if not stat.S_ISREG(st.st_mode):
            return False
        mine = rf.lookup(rf.key_of(st))
        if mine is not None and mine.master is not None:
            return True
        try:
            fd = os.open(path, os.O_RDWR | os.O_CLOEXEC)
        except PermissionError:
            return any(r["master_alive"] for r in list_regions(os.path.dirname(path))
                       if r["path"] == path)
        try:
            # Not our master: closing this descriptor drops no lock this process holds.
            fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return True
        finally:
            os.close(fd)
        return False


def followers(tag, directory=None):
    """The followers registered for ``tag``, seen from any process (as ``Master.followers()``);
    dead entries are reclaimed where this process may write the registry."""
    from .follower import open_region_file
    from . import _regionfile as rf
    path = os.path.join(_files.directory(directory), _files.validate_tag(tag))
    f = open_region_file(tag, path)
    try:
        committed = f.q[COMMITTED_OFFSET >> 3]
        version, _, _, published, _ = SLOT_FIELDS_STRUCT.unpack_from(
            f.map, slot_offset(f.slot_capacity, committed & 1) + 8)
        registry = _registry.open_to_list(path)
        if registry is None:
            return []
        try:
            return _registry.infos(registry.entries(), committed, published if version == committed else 0)
        finally:
            registry.close()
    finally:
        rf.release(f)


__all__ = ["list_regions", "delete", "followers", "RegionNotFoundError"]
