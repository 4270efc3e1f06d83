"""The region directory, tags and region files (docs/FORMAT.md section 1); the same rules as
the Java ``io.shm4j.internal.RegionFiles``."""
import os
import re
import sys
import tempfile

from .errors import InvalidTagError

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


def ensure_directory(path, file_mode):
    """Creates the region directory (0700, or 0750/0770 for the group modes) if missing."""
    if not os.path.isdir(path):
        os.makedirs(path, mode=_DIRECTORY_MODES.get(file_mode, 0o700), exist_ok=True)


def create_reserved(path, size, file_mode):
    """Creates ``path`` (which must not exist) read-write with ``file_mode`` and ``size`` bytes of
    zeros, never sparse: on a tmpfs a sparse page fails only when first touched (SIGBUS), while a
    full device must fail here. Returns the descriptor; on failure the file is removed."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, file_mode)
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
