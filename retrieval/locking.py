"""One writer at a time per index folder: an advisory lock on `<index>/LOCK`, released by the kernel when
its holder exits (even on kill -9), so it is never stale. The file names who holds it (pid, host, since).

Readers take no lock: every version folder is complete before CURRENT names it and is kept for a grace
period after CURRENT moves on (see retrieval/index.py), so a reader never needs to wait for a writer.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from retrieval.errors import IndexBusy, IndexNotWritable

LOCK_NAME = "LOCK"


def holder(index_dir: Path) -> str:
    """Who holds the lock, in words ("pid 123 on host, since 09:01:02"), or "another process"."""
    try:
        info = json.loads((index_dir / LOCK_NAME).read_text(encoding="utf-8"))
        since = time.strftime("%H:%M:%S", time.localtime(float(info["since"])))
        return f"pid {int(info['pid'])} on {info['host']}, since {since}"
    except (OSError, ValueError, KeyError, TypeError):
        return "another process"


@contextmanager
def writer_lock(
    index_dir: Path, wait: float = 600.0, on_wait: Callable[[str], None] | None = None, poll: float = 0.2
) -> Iterator[None]:
    """Hold the index's writer lock for the block. Waits up to `wait` seconds (telling `on_wait` who holds
    it, once), then raises IndexBusy naming the holder. IndexNotWritable if the folder cannot be written."""
    try:
        index_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(index_dir / LOCK_NAME, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o644)
    except OSError as err:
        raise IndexNotWritable(str(index_dir), err) from err
    try:
        deadline = time.monotonic() + wait
        told = False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                who = holder(index_dir)
                if time.monotonic() >= deadline:
                    raise IndexBusy(str(index_dir), who) from None
                if not told and on_wait is not None:
                    on_wait(f"waiting for the index lock, held by {who}")
                    told = True
                time.sleep(poll)
        info = json.dumps({"pid": os.getpid(), "host": socket.gethostname(), "since": time.time()})
        try:
            os.ftruncate(fd, 0)
            os.pwrite(fd, info.encode(), 0)
        except OSError:  # a full disk: the lock holds anyway, only its label is missing
            pass
        yield
    finally:
        os.close(fd)  # releases the lock
