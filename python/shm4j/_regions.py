"""The regions of a directory, as the library offers them (Java: ``SharedObject.list``,
``SharedObject.delete``, ``SharedObject.followers``)."""
import errno
import os
import stat

from . import _files, _proc, _registry
from ._format import (COMMITTED_OFFSET, HEADER_LENGTH, SLOT_FIELDS_STRUCT, slot_offset, starts_like_object_region,
                      validate_header)
from .errors import CorruptRegionError, MasterConflictError, RegionFileError, RegionNotFoundError
from .follower import Follower


def list_regions(directory=None):
    """The regions of the directory (``directory``, else ``$SHM4J_DIR``, else the default),
    sorted by tag, as dicts: ``tag``, ``path``, ``size``, ``kind`` (``object``, ``damaged object``
    or ``raw``), ``version``, ``modified_ns``, ``master_pid``, ``master_alive``, as Java's
    ``SharedObject.list``. ``modified_ns`` is, for an object region, when its committed version
    was published (None if none was), for a raw region the file's modification time, and None
    for a damaged one. Links, directories and helper files (``TAG~...``) are skipped; a missing
    directory has none. Example::

        for r in shm4j.list_regions():
            print(r["tag"], r["kind"], r["version"])
    """
    d = _files.directory(directory)
    if not _is_directory(d):
        return []
    try:
        names = sorted(os.listdir(d))
    except PermissionError as e:
        raise RegionFileError("%s: cannot list the region directory: no read permission on it; run as a user who "
                              "may read it" % d, e.errno) from None
    out = []
    for name in names:
        path = os.path.join(d, name)
        if not _files.is_tag(name):
            continue
        try:
            if _is_regular(path):
                out.append(describe(path))
        except FileNotFoundError:
            continue  # removed since listed
    return out


def describe(path):
    """What the region file ``path`` is, as a dict of :func:`list_regions`, by the library's one
    header check (FORMAT.md section 4); an object region's committed version and when it was
    published are read from the committed slot (for display: a publish racing this read may show
    the previous time)."""
    tag = os.path.basename(path)
    with os.fdopen(_files.open_regular(path, False, "region " + tag), "rb") as fh:
        st = os.fstat(fh.fileno())
        head = fh.read(HEADER_LENGTH)
    info = {"tag": tag, "path": path, "size": st.st_size, "kind": "raw", "version": 0,
            "modified_ns": st.st_mtime_ns, "master_pid": 0, "master_alive": False}
    if not starts_like_object_region(head):
        return info
    info.update(kind="damaged object", modified_ns=None)
    try:
        validate_header(head, st.st_size, tag, path)
        with Follower(tag, os.path.dirname(path), register=False) as f:
            h = f.header()
            slot = f.slot_fields(h.committed & 1)
    except CorruptRegionError:
        return info
    info.update(kind="object", version=h.committed,
                modified_ns=slot.publish_time_ns if h.committed and slot.version == h.committed else None,
                master_pid=h.master_pid, master_alive=_proc.is_alive(h.master_pid, h.master_start))
    return info


def delete(tag, directory=None, force=False):
    """Removes ``tag`` and its helper files (``TAG~...``: follower registry, stray growth files),
    refusing with MasterConflictError while its master runs unless ``force``. Returns whether the
    region existed. Processes that still map it keep their mapping until they close it, as after
    ``shared_memory.unlink()``."""
    d = _files.directory(directory)
    path = os.path.join(d, _files.validate_tag(tag))
    if not force and _is_regular(path) and _master_running(path):  # a master never uses a link
        pid = describe(path)["master_pid"]
        raise MasterConflictError(
            "refusing to delete region %s: its master, pid %d, is running; stop it first, "
            "or force the delete" % (tag, pid), pid)
    return remove(d, tag)


def remove(directory, tag):
    """Removes the file of ``tag`` (a link itself, never its target) and its helper files
    ``TAG~...`` from ``directory``; returns whether the region existed. A directory named like the
    tag is refused. As Java's RegionDirectory.remove, for ``delete`` and the CLI's ``rm``."""
    path = os.path.join(directory, _files.validate_tag(tag))
    if not _is_directory(directory):
        return False
    if stat.S_ISDIR(_lstat_mode(path)):
        raise RegionFileError("%s: region %s is a directory, not a region file; shm4j removes only files (a link "
                              "itself, never its target): remove it yourself" % (path, tag), errno.EISDIR)
    existed = _unlink(directory, path, tag)
    for name in os.listdir(directory):
        if name.startswith(tag + "~"):
            _unlink(directory, os.path.join(directory, name), tag)
    return existed


def _is_directory(directory):
    """Whether the region directory exists; a path that exists but is not a directory is an error."""
    if os.path.isdir(directory):
        return True
    if os.path.lexists(directory):
        raise RegionFileError("%s: the region directory is not a directory; point SHM4J_DIR (or --dir, directory=) "
                              "at a directory" % directory, errno.ENOTDIR)
    return False


def _lstat_mode(path):
    """The mode of ``path`` itself (a link's own), 0 if it does not exist."""
    try:
        return os.lstat(path).st_mode
    except (FileNotFoundError, NotADirectoryError):  # the caller says what is wrong with a directory
        return 0


def _is_regular(path):
    return stat.S_ISREG(_lstat_mode(path))


def _unlink(directory, path, tag):
    try:
        os.unlink(path)
        return True
    except FileNotFoundError:
        return False
    except PermissionError as e:
        raise RegionFileError("%s: cannot remove region %s: no write permission on the directory %s; run as a "
                              "user who may write it" % (path, tag, directory), e.errno) from None


def _master_running(path):
    """Whether a master holds the region's lock now, in this process or another: a probe takes an
    open-file-description lock of its own, which conflicts with every master's (FORMAT.md 5.3), and
    releases it by closing, as Java's RegionDirectory.masterRunning. Where the file may not be
    opened for writing, the recorded master's liveness answers."""
    try:
        fd = _files.open_regular(path, True, "region " + os.path.basename(path))
    except FileNotFoundError:
        return False
    except PermissionError:
        return describe(path)["master_alive"]
    try:
        return not _files.try_lock(fd)
    finally:
        os.close(fd)


def followers(tag, directory=None):
    """The followers registered for ``tag``, seen from any process (as ``Master.followers()``);
    dead entries are reclaimed where this process may write the registry."""
    from .follower import open_region_file
    from . import _regionfile as rf
    path = os.path.join(_files.directory(directory), _files.validate_tag(tag))
    f = open_region_file(tag, path)
    try:
        # Checked as a file new to this process is: this process may have mapped it before it
        # shrank, and a slot past the end faults (SIGBUS, FORMAT.md 5.4).
        rf.read_header(f.fds[0], tag, path)
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
