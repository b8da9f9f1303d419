"""Child processes of the benchmarks: a crash is a failure, never a figure.

bench/ui.py once read its child's RESULT line and ignored the exit code, so a window that
aborted ("Fatal Python error: none_dealloc") after printing its figures passed. Every
benchmark starts and stops its children through these two functions.
"""
from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path


class ChildCrashed(RuntimeError):
    """A benchmark's child process died or exited with an error: the run is invalid."""


def _describe(code: int) -> str:
    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit code {code}"


def check_exit(name: str, returncode: int, output: str = "", log: Path | None = None) -> None:
    """Raise ChildCrashed unless `returncode` is 0; the error quotes the end of the child's
    output (or names its log) so the crash can be read."""
    if returncode != 0:
        where = f"; see {log}" if log else ""
        tail = f":\n{output[-2000:]}" if output else ""
        raise ChildCrashed(f"{name} failed ({_describe(returncode)}){where}{tail}")


def stop(name: str, proc: subprocess.Popen | None, log: Path | None = None, timeout: float = 15) -> None:
    """Stop a long-running child (a server) that must still be alive: one that died during
    the run is a crash, even if every request before it succeeded."""
    if proc is None:
        return
    died = proc.poll()
    if died is None:
        proc.terminate()
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        return
    raise ChildCrashed(f"{name} died during the run ({_describe(died)})" + (f"; see {log}" if log else ""))


def wait_ready(url: str, proc: subprocess.Popen, log: Path | None = None, seconds: float = 60) -> None:
    """Wait until `url` answers 200, while `proc` (the server behind it) is alive."""
    import requests  # the benchmarks' HTTP client; this module stays importable without it

    deadline = time.monotonic() + seconds
    while True:
        try:
            if requests.get(url, timeout=2).ok:
                return
        except requests.RequestException:
            pass
        if time.monotonic() > deadline or proc.poll() is not None:
            raise ChildCrashed(f"the server behind {url} did not start" + (f"; see {log}" if log else ""))
        time.sleep(0.1)
