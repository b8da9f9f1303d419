"""Room on the disk that holds the data folder: warn before it runs out, say plainly
when it has.

SQLite answers a full disk with `OperationalError: database or disk is full` and rolls
the transaction back (the database stays intact); a file write raises ENOSPC. Either
becomes `DiskFull`, whose message names the folder and how much room is needed, in the
person's language. The window checks the margin at start; a sync checks it before
each page and an attachment download before it starts, and never starts one that
cannot fit.
"""
from __future__ import annotations

import errno
import shutil
from pathlib import Path

from fieldapp.core.formatting import format_decimal
from fieldapp.i18n import _

MB = 1024 * 1024
WARN_BELOW = 500 * MB  # the window warns at start below this
SYNC_RESERVE = 64 * MB  # a sync page (and SQLite's journal) needs about this much
DOWNLOAD_RESERVE = 32 * MB  # kept free beyond an attachment's own size


def format_size(n: int) -> str:
    for unit, step in (("GB", 1024 ** 3), ("MB", MB), ("kB", 1024)):
        if n >= step:
            return f"{format_decimal(round(n / step, 1))} {unit}"
    return f"{format_decimal(n)} B"


def free_bytes(folder: Path) -> int:
    """Free bytes for this user on the disk holding `folder` (its nearest existing parent)."""
    path = Path(folder)
    while not path.exists() and path != path.parent:
        path = path.parent
    return shutil.disk_usage(path).free


class DiskFull(OSError):
    """Not enough room in `folder`; `needed` bytes more would do."""

    def __init__(self, folder: Path, needed: int):
        self.folder, self.needed = Path(folder), max(int(needed), 0)
        super().__init__(errno.ENOSPC, self.message)

    @property
    def message(self) -> str:
        return _("The disk holding {folder} is full: free at least {size} there (delete or move files), "
                 "then try again. Nothing was lost.").format(folder=str(self.folder), size=format_size(self.needed))

    def __str__(self) -> str:
        return self.message


def ensure_room(folder: Path, needed: int) -> None:
    """Raise DiskFull when less than `needed` bytes are free for `folder`."""
    free = free_bytes(folder)
    if free < needed:
        raise DiskFull(folder, needed - free)


def is_disk_full(exc: BaseException) -> bool:
    """SQLite's "database or disk is full" (through SQLAlchemy or not) or ENOSPC/EDQUOT."""
    if isinstance(exc, DiskFull):
        return True
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", -1)):
        return True
    inner = getattr(exc, "orig", None) or exc
    code = getattr(inner, "sqlite_errorcode", None)
    if code is not None:
        return code == 13  # SQLITE_FULL
    return "database or disk is full" in str(inner)


def explain(exc: BaseException, folder: Path, needed: int = SYNC_RESERVE) -> DiskFull | None:
    """The DiskFull to show for `exc`, or None when it is another error."""
    if isinstance(exc, DiskFull):
        return exc
    if not is_disk_full(exc):
        return None
    return DiskFull(folder, max(needed - free_bytes(folder), needed // 4, MB))


def low_space_warning(folder: Path, margin: int | None = None) -> str | None:
    """A sentence for the window when the disk is nearly full (below `margin`, by default
    WARN_BELOW), else None."""
    margin = WARN_BELOW if margin is None else margin
    free = free_bytes(folder)
    if free >= margin:
        return None
    return _("Little room is left on the disk holding {folder}: {free} free. Free at least {size} "
             "before syncing or downloading attachments.").format(
        folder=str(folder), free=format_size(free), size=format_size(margin - free))
