"""Binary data files (XLSX, Parquet) read with the guards yamlfile.read_text gives text files.

Only regular files are read (a symlink to /dev/zero or a FIFO is refused, not read forever),
and the size limit applies to what is read, not to what `stat` says.
"""

from __future__ import annotations

import stat
from pathlib import Path

from ..errors import InputError
from ..yamlfile import MAX_FILE_BYTES


def read_bytes(path: Path, display: str) -> bytes:
    try:
        mode = path.stat().st_mode
    except OSError as exc:
        raise InputError(display, None, f"cannot read file: {exc.strerror}") from None
    if not stat.S_ISREG(mode):
        raise InputError(display, None, "not a regular file (a device, FIFO or socket)",
                         "give the data file itself")
    try:
        with path.open("rb") as fh:
            data = fh.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise InputError(display, None, f"cannot read file: {exc.strerror}") from None
    if len(data) > MAX_FILE_BYTES:
        raise InputError(display, None,
                         f"file is more than the {MAX_FILE_BYTES // 2**20} MiB limit",
                         "split the dataset into several files")
    return data
