"""FUTEX_WAIT / FUTEX_WAKE on the ``notify`` word, through ctypes (docs/FORMAT.md 5.6).

Shared futexes (no FUTEX_PRIVATE_FLAG): the kernel keys a shared futex on a file mapping by
(inode, offset), so a Python waiter and a Java or Python master meet on the same word whatever
address each process mapped it at. FUTEX_WAIT only reads the word, so it works on a follower's
read-only mapping. Where no futex is available (not Linux, an unknown architecture, no ctypes)
``AVAILABLE`` is False and waiters poll.
"""
import ctypes
import errno
import os
import platform
import sys
import time

_SYS_FUTEX = {"x86_64": 202, "amd64": 202, "aarch64": 98, "arm64": 98, "riscv64": 98,
              "i386": 240, "i686": 240, "armv7l": 240, "ppc64le": 221, "ppc64": 221,
              "s390x": 238}
_FUTEX_WAIT = 0
_FUTEX_WAKE = 1
_FUTEX_WAKE_OP = 5
_FUTEX_PRIVATE_FLAG = 128
_FUTEX_OP_ADD = 1
_FUTEX_OP_OR = 2
_FUTEX_OP_ANDN = 3
_FUTEX_OP_ARG_SHIFT = 8
_INT_MAX = 0x7FFFFFFF
_POLL_INTERVAL = 0.001
# Longest single FUTEX_WAIT: a longer timeout (math.inf too) would not fit a timespec; the caller
# loops until its own deadline anyway.
_MAX_WAIT = 86400.0


class _Timespec(ctypes.Structure):
    _fields_ = [("tv_sec", ctypes.c_long), ("tv_nsec", ctypes.c_long)]


class _PyBuffer(ctypes.Structure):
    # CPython's Py_buffer; only ``buf`` is used.
    _fields_ = [("buf", ctypes.c_void_p), ("obj", ctypes.py_object), ("len", ctypes.c_ssize_t),
                ("itemsize", ctypes.c_ssize_t), ("readonly", ctypes.c_int),
                ("ndim", ctypes.c_int), ("format", ctypes.c_char_p),
                ("shape", ctypes.c_void_p), ("strides", ctypes.c_void_p),
                ("suboffsets", ctypes.c_void_p), ("internal", ctypes.c_void_p)]


def _load():
    if not sys.platform.startswith("linux"):
        return None, None
    number = _SYS_FUTEX.get(platform.machine().lower())
    if number is None:
        return None, None
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        syscall = libc.syscall
        syscall.restype = ctypes.c_long
        get_buffer = ctypes.pythonapi.PyObject_GetBuffer
        get_buffer.argtypes = [ctypes.py_object, ctypes.POINTER(_PyBuffer), ctypes.c_int]
        get_buffer.restype = ctypes.c_int
        release = ctypes.pythonapi.PyBuffer_Release
        release.argtypes = [ctypes.POINTER(_PyBuffer)]
        release.restype = None
    except (OSError, AttributeError):
        return None, None
    return number, (syscall, get_buffer, release)


_NUMBER, _FUNCS = _load()
AVAILABLE = _NUMBER is not None


def buffer_address(mapping):
    """Address of the first byte of an mmap (read-only ones too, unlike ctypes.from_buffer);
    valid until the mmap is closed. None where futexes are unavailable."""
    if not AVAILABLE:
        return None
    _, get_buffer, release = _FUNCS
    view = _PyBuffer()
    if get_buffer(mapping, ctypes.byref(view), 0) != 0:
        return None
    try:
        return view.buf
    finally:
        release(ctypes.byref(view))


def wait(address, expected, timeout):
    """Sleeps while the u32 at ``address`` equals ``expected``, at most ``timeout`` seconds
    (None: no limit; more than a day: a day). Returns when woken, when the word differs, on a
    signal or on timeout; the caller re-checks its condition. Polls for one interval where futexes
    are unavailable."""
    if address is None:
        time.sleep(_POLL_INTERVAL if timeout is None else max(0.0, min(timeout, _POLL_INTERVAL)))
        return
    syscall = _FUNCS[0]
    if timeout is None:
        ts = None
    else:
        timeout = min(max(0.0, timeout), _MAX_WAIT)
        ts = ctypes.byref(_Timespec(int(timeout), int((timeout - int(timeout)) * 1e9)))
    r = syscall(ctypes.c_long(_NUMBER), ctypes.c_void_p(address), ctypes.c_long(_FUTEX_WAIT),
                ctypes.c_long(expected & 0xFFFFFFFF), ts, None, ctypes.c_long(0))
    if r == -1:
        err = ctypes.get_errno()
        if err not in (errno.EAGAIN, errno.ETIMEDOUT, errno.EINTR):
            raise OSError(err, "FUTEX_WAIT failed: " + os.strerror(err))


def wake_all(address):
    """Wakes every process waiting on the u32 at ``address``; a no-op without futexes."""
    if address is None:
        return
    _FUNCS[0](ctypes.c_long(_NUMBER), ctypes.c_void_p(address), ctypes.c_long(_FUTEX_WAKE),
              ctypes.c_long(_INT_MAX), None, None, ctypes.c_long(0))


def atomic_add(address, delta):
    """Adds ``delta`` (-2048..2047) to the u32 at ``address`` atomically, with a full fence:
    FUTEX_WAKE_OP applies FUTEX_OP_ADD to its second word with a locked instruction and wakes
    nobody (both wake counts are 0). The word must be in a writable mapping."""
    _wake_op(address, (_FUTEX_OP_ADD << 28) | ((delta & 0xFFF) << 12))


def atomic_set_bit(address, bit):
    """Sets bit ``bit`` (0..31) of the u32 at ``address`` atomically, with a full fence
    (FUTEX_OP_OR with FUTEX_OP_ARG_SHIFT: the operand is 1 << bit)."""
    _wake_op(address, ((_FUTEX_OP_OR | _FUTEX_OP_ARG_SHIFT) << 28) | (bit << 12))


def atomic_clear_bit(address, bit):
    """Clears bit ``bit`` (0..31) of the u32 at ``address`` atomically (FUTEX_OP_ANDN)."""
    _wake_op(address, ((_FUTEX_OP_ANDN | _FUTEX_OP_ARG_SHIFT) << 28) | (bit << 12))


def _wake_op(address, op):
    # compare: FUTEX_OP_CMP_EQ 0, unused: nobody is woken
    r = _FUNCS[0](ctypes.c_long(_NUMBER), ctypes.c_void_p(address),
                  ctypes.c_long(_FUTEX_WAKE_OP | _FUTEX_PRIVATE_FLAG), ctypes.c_long(0),
                  ctypes.c_void_p(0), ctypes.c_void_p(address), ctypes.c_long(op))
    if r == -1:
        err = ctypes.get_errno()
        raise OSError(err, "FUTEX_WAKE_OP failed: " + os.strerror(err))
