"""A follower for the follower-registry interop tests: ``python3 -m tests.registry_peer DIR TAG
NAME MODE`` (MODE ``block``: sleeps in wait_newer; ``spin``: polls get()). Prints ``READY`` once
following, then ``SEEN <version>`` for every version it reads, until killed."""
import sys

from shm4j import Follower


def main():
    directory, tag, name, mode = sys.argv[1:5]
    f = Follower(tag, directory=directory, name=name, wait=60.0)
    print("READY", "registered" if f._entry is not None else "unregistered", flush=True)
    seen = 0
    while True:
        if mode == "block":
            f.wait_newer(seen, None)
            f.get()
        elif f.version == seen:
            continue
        f.get()
        seen = f.version
        print("SEEN", seen, flush=True)


if __name__ == "__main__":
    main()
