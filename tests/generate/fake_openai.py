"""The test side of ``fake_openai_server.py``: a handle that scripts the server process and
reads its counts (the fixtures that start it are in ``conftest.py``)."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SERVER = Path(__file__).with_name("fake_openai_server.py")
START_TIMEOUT = 20.0


@dataclass
class FakeOpenAI:
    """Handle on the server process: script it, read its counts."""

    root: str
    script_file: Path

    @property
    def base_url(self) -> str:
        return f"{self.root}/v1"

    def script(
        self, steps: Sequence[dict[str, Any]] = (), default: dict[str, Any] | None = None
    ) -> None:
        """Answer with ``steps`` in order, then ``default`` (an ``ok`` reply); zero the counts."""
        self.script_file.write_text(json.dumps({"steps": list(steps), "default": default or {}}))
        self._call("POST", "/reset")

    def stats(self) -> dict[str, Any]:
        return self._call("GET", "/stats")

    def _call(self, method: str, path: str) -> dict[str, Any]:
        request = urllib.request.Request(
            self.root + path, method=method, data=b"" if method == "POST" else None
        )
        with urllib.request.urlopen(request, timeout=15) as response:
            return json.loads(response.read())  # type: ignore[no-any-return]
