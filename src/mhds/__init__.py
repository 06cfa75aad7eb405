"""mhds: safe, traceable, training-ready releases of mental-health conversation datasets."""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
