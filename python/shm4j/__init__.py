"""shm4j for Python: share a live JSON object between processes through shared memory.

One :class:`Master` publishes; any number of :class:`Follower` processes (Python or Java, the
format is in docs/FORMAT.md) read the newest whole version without locks or system calls::

    from shm4j import Master, Follower
    m = Master("config"); m.publish({"limit": 10})
    Follower("config").get()   # {'limit': 10}, in any process on the host

Standard library only. Raw regions (Java ``MappedRegion``) need no package: they are plain
files, ``mmap.mmap(os.open(path, os.O_RDWR), 0)`` opens them.
"""
from ._format import ContentType
from .compat import ObjectMmap
from .errors import (ConsistencyError, CorruptRegionError, InvalidObjectError, InvalidTagError,
                     MasterConflictError, ObjectTooLargeError, RegionFileError, RegionNotFoundError,
                     RegionShrunkError, Shm4jError)
from .follower import Follower, Snapshot
from .master import DEFAULT_MAX_OBJECT_SIZE, Master
from ._files import directory as region_directory
from ._regions import delete, followers, list_regions

__all__ = ["Master", "Follower", "Snapshot", "ContentType", "ObjectMmap", "region_directory",
           "list_regions", "delete", "followers",
           "DEFAULT_MAX_OBJECT_SIZE", "Shm4jError", "InvalidTagError", "RegionNotFoundError",
           "CorruptRegionError", "ConsistencyError", "MasterConflictError", "ObjectTooLargeError",
           "InvalidObjectError", "RegionFileError", "RegionShrunkError"]
__version__ = "0.1.0"
