"""mhds: safe, traceable, training-ready releases of mental-health conversation datasets."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = ["ReleaseReader", "__version__"]

if TYPE_CHECKING:
    from mhds.release.reader import ReleaseReader


def __getattr__(name: str) -> Any:
    # Lazy: `import mhds` stays cheap (no boto3/numpy import) until the reader is used.
    if name == "ReleaseReader":
        from mhds.release.reader import ReleaseReader

        return ReleaseReader
    raise AttributeError(f"module 'mhds' has no attribute {name!r}")
