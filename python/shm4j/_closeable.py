"""Context-manager support shared by Master and Follower."""


class Closeable:
    """``with`` closes; so does garbage collection of an object never closed (``_file`` set)."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        if getattr(self, "_file", None) is not None:
            self.close()
