"""Exceptions raised by shm4j. Every one names the region and says what to do."""


class Shm4jError(Exception):
    """Base class of every error shm4j raises."""


class InvalidTagError(Shm4jError, ValueError):
    """A tag that is not 1-200 characters of ``A-Z a-z 0-9 . _ -`` (or is ``.``/``..``)."""


class RegionNotFoundError(Shm4jError):
    """No region file exists for the tag (no master has created it yet, or it was removed)."""


class CorruptRegionError(Shm4jError):
    """The file is not a readable shm4j object region: truncated, bad magic, unsupported format
    version, a header field out of range, or a slot whose length or CRC is wrong."""


class RegionShrunkError(Shm4jError):
    """The region file became shorter than its header says while this process had it mapped:
    another program truncated it (shm4j never shrinks a live file). Raised instead of touching
    the lost pages, which would end the process with SIGBUS; a master moves the region to a new
    file on its next publish and followers follow it then (docs/FORMAT.md 5.4)."""


class ConsistencyError(Shm4jError):
    """No whole snapshot could be read within the retry bound: the master kept overwriting the
    slot during every copy. Nothing torn is ever returned; retry later."""


class MasterConflictError(Shm4jError):
    """Another master holds the region's lock. ``holder_pid`` is the pid the header names."""

    def __init__(self, message, holder_pid):
        super().__init__(message)
        self.holder_pid = holder_pid


class ObjectTooLargeError(Shm4jError, ValueError):
    """The encoded object is larger than the master's ``max_object_size``; nothing was written."""


class InvalidObjectError(Shm4jError, ValueError):
    """The object cannot be encoded as JSON (e.g. a set, NaN, a custom class); nothing was written."""


class RegionFileError(Shm4jError, OSError):
    """A region's file (or directory) cannot be opened or created: no permission, not a regular
    file (a symbolic link, a directory, a FIFO, ...), a path that is not a directory. An OSError
    too, with ``errno``; the message names the file, why, and what to do."""

    def __init__(self, message, errno=None):
        OSError.__init__(self, message)
        self.errno = errno
