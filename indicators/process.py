"""Whether a process still runs: folders named after the process that made them are removed only when it is gone."""

from __future__ import annotations

import os


def running(pid: int) -> bool:
    """True for this process and for any live process (also one of another user); False once it has ended."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # exists, but owned by another user
        return True
    return True
