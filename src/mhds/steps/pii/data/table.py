"""How the ``build_*.py`` scripts of this folder write their tables: one line each, in the
order given, gzip level 9 with no timestamp, so that a rebuild from the same source gives the
same bytes."""

from __future__ import annotations

import gzip
import io
from pathlib import Path


def write_lines(path: Path, lines: list[str]) -> int:
    """Write ``lines`` to ``path`` as described above; the number of bytes written."""
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb", compresslevel=9, mtime=0) as stream:
        stream.write(("\n".join(lines) + "\n").encode())
    path.write_bytes(buffer.getvalue())
    return len(buffer.getvalue())
