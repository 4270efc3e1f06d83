"""Process identity: a pid plus its start time, as the master writes into the header."""
import os

_PID_MAX = 2**31 - 1  # pid_t is a signed 32-bit int on Linux


def start_millis(pid):
    """Start of process ``pid`` in ms since the epoch, computed as the JDK's
    ProcessHandle.Info.startInstant() does on Linux (boot time + /proc/<pid>/stat starttime),
    so Java and Python masters write the same value; 0 if unknown."""
    try:
        with open("/proc/%d/stat" % pid, "rb") as f:
            fields = f.read().rsplit(b")", 1)[1].split()
        ticks = int(fields[19])  # field 22 of stat; fields[0] is field 3 (state)
        with open("/proc/stat", "rb") as f:
            for line in f:
                if line.startswith(b"btime "):
                    return int(line.split()[1]) * 1000 + ticks * 1000 // os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        pass
    return 0


def is_alive(pid, start_ms):
    """True if ``pid`` runs and, when ``start_ms`` is known, is the same process (not a reuse)."""
    if pid <= 0 or pid > _PID_MAX:  # a damaged header's pid; os.kill would raise OverflowError
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    if start_ms == 0:
        return True
    now = start_millis(pid)
    # Less than a second apart (the precision of /proc's start times), as the Java CLI's MasterStatus.
    return now == 0 or abs(now - start_ms) < 1000
