"""Timing, percentiles and memory: the small tools every part of the benchmark uses."""

from __future__ import annotations

import os
import resource
import subprocess
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np


def summarise(ms: Sequence[float]) -> dict[str, float]:
    """p50/p95/mean of a list of milliseconds (empty -> NaN-free zeros with n=0)."""
    if not ms:
        return {"n": 0, "p50": 0.0, "p95": 0.0, "mean": 0.0}
    values = np.asarray(ms, dtype=np.float64)
    return {
        "n": len(values),
        "p50": round(float(np.percentile(values, 50)), 3),
        "p95": round(float(np.percentile(values, 95)), 3),
        "mean": round(float(values.mean()), 3),
    }


def ratio(numerator: float | None, denominator: float | None, digits: int = 3) -> float | None:
    """numerator / denominator, or None when either is missing or the denominator is zero."""
    if numerator is None or denominator is None or denominator == 0:
        return None
    return round(float(numerator) / float(denominator), digits)


def rate(count: float, seconds: float) -> float | None:
    return round(count / seconds, 2) if seconds > 0 else None


def _status_kb(field: str) -> float | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return float(line.split()[1])
    except OSError:
        return None
    return None


def release_freed() -> None:
    """Hand memory the allocator holds but no object uses back to the system (glibc's malloc_trim; nothing
    elsewhere), so that a baseline RSS counts only what is in use: loading libraries and models leaves
    a varying amount behind, which the index would otherwise reuse unseen."""
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
        if libc is not None and hasattr(libc, "malloc_trim"):
            libc.malloc_trim(0)
    except OSError:
        pass


def rss_mb() -> float | None:
    kb = _status_kb("VmRSS")
    return round(kb / 1024, 1) if kb is not None else None


def peak_rss_mb() -> float:
    """Peak resident memory of this process since start (or since the last reset_peak_rss)."""
    kb = _status_kb("VmHWM")
    if kb is None:  # not Linux: ru_maxrss, never reset
        kb = float(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
    return round(kb / 1024, 1)


def reset_peak_rss() -> bool:
    """Start a new peak-RSS window (Linux: write 5 to /proc/self/clear_refs). False if unsupported."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


GNU_TIME = Path("/usr/bin/time")


def run_child(
    cmd: Sequence[str], env: Mapping[str, str] | None = None, timeout: float = 600.0, cwd: Path | None = None
) -> dict[str, object]:
    """Run a command in a fresh process: wall seconds, exit code, the command's own peak RSS, output tails.

    A process forked from this (large) one inherits its peak RSS, so the peak comes from GNU time
    wrapping the command (its child starts small); without it, os.wait4's figure, flagged as an upper bound."""
    with tempfile.TemporaryDirectory() as tmp:
        rss_file = Path(tmp) / "rss"
        wrapped = list(cmd)
        if GNU_TIME.is_file():
            wrapped = [str(GNU_TIME), "-f", "%M", "-o", str(rss_file), *wrapped]
        with open(Path(tmp) / "out", "w+") as out, open(Path(tmp) / "err", "w+") as err:
            started = time.perf_counter()
            proc = subprocess.Popen(
                wrapped, env=dict(env) if env is not None else None, cwd=cwd, stdout=out, stderr=err, text=True
            )
            status, usage = 0, None
            while True:
                pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
                if pid:
                    break
                if time.perf_counter() - started > timeout:
                    proc.kill()
                    _, status, usage = os.wait4(proc.pid, 0)
                    break
                time.sleep(0.005)
            seconds = time.perf_counter() - started
            proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
            out.seek(0)
            err.seek(0)
            stdout, stderr = out.read(), err.read()
        peak, exact = None, False
        try:
            peak, exact = round(int(rss_file.read_text().strip().splitlines()[-1]) / 1024, 1), True
        except (OSError, ValueError, IndexError):
            peak = round(usage.ru_maxrss / 1024, 1) if usage is not None else None
    return {
        "seconds": round(seconds, 3),
        "returncode": proc.returncode,
        "timed_out": seconds > timeout,
        "peak_rss_mb": peak,
        "peak_rss_exact": exact,
        "stdout_tail": stdout[-300:],
        "stderr_tail": stderr[-300:],
    }


def loadavg() -> list[float]:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return []


class Stopwatch:
    """`with Stopwatch() as sw: ...; sw.seconds`."""

    def __enter__(self) -> Stopwatch:
        self.started = time.perf_counter()
        self.seconds = 0.0
        return self

    def __exit__(self, *exc: object) -> None:
        self.seconds = time.perf_counter() - self.started
