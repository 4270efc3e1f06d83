"""``ObjectMmap``: the seed write-up's class, with the same constructor and method names, over
Master/Follower, so code written for it runs with one changed import."""
import mmap

from .errors import RegionNotFoundError
from .follower import Follower
from .master import Master


class ObjectMmap:
    """The seed's ``ObjectMmap(fileno, length, access, tagname)``.

    ``access=mmap.ACCESS_WRITE`` makes this process the master of ``tagname``; ``ACCESS_READ``
    makes it a follower. ``fileno`` and ``length`` are accepted and ignored: the region is the
    file of ``tagname`` in the shm4j directory and grows to fit any object up to 64 MiB.

    Example (the seed's section 4, Python 3)::

        import mmap, random
        from shm4j import ObjectMmap            # was: from jsonmmap import ObjectMmap

        # master process
        mm = ObjectMmap(-1, 1024 * 1024, access=mmap.ACCESS_WRITE, tagname="share_mmap")
        while True:
            mm.jsonwrite(list(range(random.randint(1, 100))))
            print(mm.jsonread_master())

        # follower process
        mm = ObjectMmap(-1, 1024 * 1024, access=mmap.ACCESS_READ, tagname="share_mmap")
        while True:
            print(mm.jsonread_follower())

    Unlike the seed, a follower never sees a half-written object, and errors (an object that is
    not JSON, a second master) raise a shm4j exception instead of returning False.
    """

    def __init__(self, fileno=-1, length=1024, access=mmap.ACCESS_WRITE, tagname="share_mmap",
                 directory=None):
        self.length = length
        self.access = access
        self.tagname = tagname
        self._directory = directory
        self._master = Master(tagname, directory) if access == mmap.ACCESS_WRITE else None
        self._follower = None
        self.obj = None

    def jsonwrite(self, obj):
        """Publishes ``obj`` as JSON (master only); returns True."""
        if self._master is None:
            raise PermissionError("ObjectMmap %r was opened with ACCESS_READ: only the "
                                  "ACCESS_WRITE side may jsonwrite" % self.tagname)
        self._master.publish(obj)
        self.obj = obj
        return True

    def jsonread_master(self):
        """What this master last wrote (no shared-memory read)."""
        return self._master.current() if self._master is not None else self.obj

    def jsonread_follower(self):
        """The newest whole object the master published; None until there is one."""
        if self._follower is None:
            try:
                self._follower = Follower(self.tagname, self._directory)
            except RegionNotFoundError:
                return None
        self.obj = self._follower.get()
        return self.obj

    def close(self):
        if self._master is not None:
            self._master.close()
        if self._follower is not None:
            self._follower.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
