"""The region directory, tags and region files (docs/FORMAT.md section 1); the same rules as
the Java ``io.shm4j.internal.RegionFiles``."""
import errno
import fcntl
import itertools
import os
import re
import stat
import struct
import sys
import tempfile

from . import _proc
from .errors import InvalidTagError, RegionFileError

MAX_TAG_LENGTH = 200
_TAG = re.compile(r"[A-Za-z0-9._-]{1,%d}" % MAX_TAG_LENGTH)
_ZERO_CHUNK = 1 << 20

# File modes a region file may be created with, as in Java's ShmOptions.FileMode.
OWNER_ONLY = 0o600
GROUP_READ = 0o640
GROUP_WRITE = 0o660
_DIRECTORY_MODES = {OWNER_ONLY: 0o700, GROUP_READ: 0o750, GROUP_WRITE: 0o770}


def is_tag(name):
    """True if ``name`` is a valid tag (a directory entry that is a region, not a helper file)."""
    return isinstance(name, str) and _TAG.fullmatch(name) is not None and name not in (".", "..")


def validate_tag(tag):
    """Returns ``tag`` if valid, else raises InvalidTagError."""
    if tag is None:
        raise InvalidTagError("region tag is None; a tag is 1-%d characters of A-Z a-z 0-9 . _ -"
                              % MAX_TAG_LENGTH)
    if not is_tag(tag):
        shown = "".join(c if 0x20 <= ord(c) < 0x7F else "\\u%04x" % ord(c) for c in str(tag)[:60])
        raise InvalidTagError("invalid region tag '%s%s': a tag is 1-%d characters of "
                              "A-Z a-z 0-9 . _ - (no '/', not '.' or '..')"
                              % (shown, "..." if len(str(tag)) > 60 else "", MAX_TAG_LENGTH))
    return tag


def directory(explicit=None):
    """The region directory: ``explicit`` if given, else $SHM4J_DIR if set and not blank, else
    /dev/shm/shm4j where /dev/shm exists, else shm4j under the JVM's default java.io.tmpdir
    (/tmp on Linux, where the JDK ignores $TMPDIR)."""
    if explicit is not None:
        return os.fspath(explicit)
    env = os.environ.get("SHM4J_DIR")
    if env is not None and env.strip():
        return env
    if os.path.isdir("/dev/shm"):
        return "/dev/shm/shm4j"
    tmp = "/tmp" if sys.platform.startswith("linux") else tempfile.gettempdir()
    return os.path.join(tmp, "shm4j")


def region_path(tag, explicit_directory=None):
    """The file of ``tag``; validates the tag."""
    return os.path.join(directory(explicit_directory), validate_tag(tag))


_USE_ANOTHER = "point SHM4J_DIR (or --dir, directory=) at a directory you may write"


def ensure_directory(path, file_mode):
    """Creates the region directory if missing. Every directory created, intermediate ones
    included, gets mode 0700 (0750/0770 for the group modes) exactly, whatever the umask, as
    Java does (FORMAT.md section 1); existing directories are left as they are."""
    if os.path.isdir(path):
        return
    mode = _DIRECTORY_MODES.get(file_mode, 0o700)
    missing = []
    p = os.path.abspath(path)
    while not os.path.isdir(p):
        missing.append(p)
        parent = os.path.dirname(p)
        if parent == p:
            break
        p = parent
    for p in reversed(missing):
        try:
            os.mkdir(p, mode)
            os.chmod(p, mode)
        except FileExistsError:
            if not os.path.isdir(p):
                raise RegionFileError(
                    "%s: cannot use it as the region directory: %s exists and is not a directory; point "
                    "SHM4J_DIR (or --dir, directory=) at a directory"
                    % (path, "it" if p == os.path.abspath(path) else p), errno.ENOTDIR) from None
        except PermissionError as e:
            raise RegionFileError(
                "%s: cannot create the region directory: no permission to create %s; create it "
                "yourself (mkdir -m 700) or %s" % (path, p, _USE_ANOTHER), e.errno) from None
        except OSError as e:
            raise RegionFileError("%s: cannot create the region directory: %s: %s; %s"
                                  % (path, p, e.strerror, _USE_ANOTHER), e.errno) from None


def open_regular(path, write, region, denied=None):
    """Opens the region file ``path`` without blocking and without following a symbolic link
    (``O_NOFOLLOW | O_NONBLOCK``), and refuses anything but a regular file: a FIFO named like a
    tag would block an open forever, and a link would let whoever may write the directory send
    a master's writes to any file (FORMAT.md section 1). Returns the descriptor.
    FileNotFoundError if it does not exist; RegionFileError (an OSError) for the rest, worded as
    Java's RegionFiles.open words it. ``denied`` replaces the reason when permission is missing."""
    flags = (os.O_RDWR if write else os.O_RDONLY) | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
    directory_ = os.path.dirname(os.path.abspath(path))
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise
    except OSError as e:
        kind = RegionFileError
        if e.errno == errno.ELOOP and os.path.islink(path):
            reason = _symbolic_link(region)
        elif e.errno == errno.EISDIR:
            reason = _not_regular(region, "a directory")
        elif e.errno == errno.ENOTDIR:
            reason = ("cannot open %s: %s (or a directory above it) is not a directory; point "
                      "SHM4J_DIR (or --dir, directory=) at a directory" % (region, directory_))
        elif e.errno in (errno.EACCES, errno.EPERM):
            kind = _AccessDenied
            access = "write" if write else "read"
            reason = denied or ("no %s permission on %s (or on its directory %s); run as a user who may %s it"
                                % (access, region, directory_, access))
        elif e.errno == errno.EROFS:
            reason = ("cannot open %s for writing: %s is on a read-only file system; use a writable "
                      "directory" % (region, directory_))
        else:
            reason = "cannot open %s: %s" % (region, e.strerror)
            try:
                mode = os.lstat(path).st_mode
                if not stat.S_ISREG(mode):  # e.g. a socket: ENXIO
                    reason = _not_regular(region, _kind(mode))
            except OSError:
                pass
        raise kind("%s: %s" % (path, reason), e.errno) from None
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise RegionFileError("%s: %s" % (path, _not_regular(region, _kind(mode))), errno.EINVAL)
        return fd
    except BaseException:
        os.close(fd)
        raise


class _AccessDenied(RegionFileError, PermissionError):
    """A file open_regular may not open: a PermissionError too (Java's AccessDeniedException), which
    callers who can do with less catch (a registry listed read-only, a master's liveness read)."""


def _symbolic_link(region):
    return ("%s is a symbolic link; shm4j never follows links in the region directory (one could "
            "send a master's writes to another file): remove the link (shm4j rm removes the link, "
            "not its target)" % region)


def _not_regular(region, kind):
    return ("%s is %s, not a regular file, so it cannot be a region; remove or rename it, or use "
            "another tag" % (region, kind))


def _kind(mode):
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a special file"


def create_reserved(path, size, file_mode):
    """Creates ``path`` (which must not exist; never through a link) read-write with
    ``file_mode`` and ``size`` bytes of zeros, never sparse: on a tmpfs a sparse page fails only
    when first touched (SIGBUS), while a full device must fail here. Returns the descriptor; on
    failure the file is removed."""
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, file_mode)
    except FileExistsError:
        raise
    except OSError as e:
        directory_ = os.path.dirname(os.path.abspath(path))
        if e.errno in (errno.EACCES, errno.EPERM):
            why = ("no write permission on the directory %s; run as a user who may write there (its "
                   "owner or group), or %s" % (directory_, _USE_ANOTHER))
        elif e.errno == errno.EROFS:
            why = "%s is on a read-only file system; or %s" % (directory_, _USE_ANOTHER)
        elif e.errno in (errno.ENOENT, errno.ENOTDIR):
            why = "the directory %s does not exist (or is not a directory); %s" % (directory_, _USE_ANOTHER)
        else:
            why = "%s; %s" % (e.strerror, _USE_ANOTHER)
        raise RegionFileError("%s: cannot create it: %s" % (path, why), e.errno) from None
    try:
        if file_mode != OWNER_ONLY:
            os.fchmod(fd, file_mode)  # the umask may have removed group bits
        zeros = bytes(min(_ZERO_CHUNK, max(1, size)))
        pos = 0
        while pos < size:
            pos += os.pwrite(fd, zeros[:min(len(zeros), size - pos)], pos)
        return fd
    except OSError as e:
        os.close(fd)
        os.unlink(path)
        raise OSError(e.errno, "cannot reserve %d bytes for %s (%s); free space in %s or publish "
                      "smaller objects" % (size, path, e.strerror, os.path.dirname(path))) from e
    except BaseException:
        os.close(fd)
        os.unlink(path)
        raise


NEW_HELPER = "~new."
_helpers = itertools.count(1)


def create_atomically(path, size, file_mode, initialize):
    """Creates ``path`` whole: reserved and written by ``initialize(fd)`` (which may also lock
    it) under the helper name ``<name>~new.<pid>.<n>``, then hard-linked to ``path`` (FileExistsError
    if it exists: another process won) and the helper removed (FORMAT.md 1, 5.5), as Java's
    RegionFiles.createReservedAtomically. Returns the descriptor. Helpers of dead processes are
    removed first."""
    remove_stale_helpers(path)
    helper = "%s%s%d.%d" % (path, NEW_HELPER, os.getpid(), next(_helpers))
    unlink_if_exists(helper)  # never used by this process: left by a dead one with our pid
    try:
        fd = create_reserved(helper, size, file_mode)
    except RegionFileError as e:  # about the file being created, not its helper
        raise RegionFileError(str(e).replace(helper, path, 1), e.errno) from None
    try:
        initialize(fd)
        os.link(helper, path)
        return fd
    except BaseException:
        os.close(fd)
        raise
    finally:
        unlink_if_exists(helper)


def remove_stale_helpers(path):
    """Removes the ``<name>~new.<pid>.<n>`` helpers of ``path`` whose process is gone (a creator
    killed before its link left an orphan file, one killed between link and unlink a second
    name of the file); a live creator's helper is left alone."""
    directory_, name = os.path.split(path)
    prefix = name + NEW_HELPER
    try:
        names = os.listdir(directory_ or ".")
    except OSError:
        return  # the create that follows says what is wrong
    for entry in names:
        if not entry.startswith(prefix):
            continue
        try:
            pid = int(entry[len(prefix):].split(".", 1)[0])
        except ValueError:
            continue  # not ours
        if not _proc.is_alive(pid, 0):
            try:
                unlink_if_exists(os.path.join(directory_, entry))
            except OSError:
                return  # not ours to remove (e.g. a sticky directory)


def unlink_if_exists(path):
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


# The master lock (FORMAT.md 5.3): an exclusive open-file-description lock on the whole file.
# struct flock on Linux x86-64/aarch64: short l_type, short l_whence, off_t l_start, off_t l_len,
# pid_t l_pid (0 for OFD locks), padded to 32 bytes.
_FLOCK = struct.Struct("hhqqi4x")


def try_lock(fd):
    """Takes the master lock on ``fd``'s open file description without waiting; False if another
    open of the file (in any process, this one too) holds an OFD or classic POSIX lock on it.
    Only closing every descriptor of this open (mmap keeps a dup) or unlock() releases it."""
    try:
        fcntl.fcntl(fd, fcntl.F_OFD_SETLK, _FLOCK.pack(fcntl.F_WRLCK, os.SEEK_SET, 0, 0, 0))
        return True
    except OSError as e:
        if e.errno in (errno.EACCES, errno.EAGAIN):
            return False
        raise


def unlock(fd):
    fcntl.fcntl(fd, fcntl.F_OFD_SETLK, _FLOCK.pack(fcntl.F_UNLCK, os.SEEK_SET, 0, 0, 0))
