"""Format adapters: one raw item in, ChatML conversations out, looked up by name.

The table below is the whole registry: adding an adapter means adding a line here.
"""

from __future__ import annotations

from mhds.errors import ConfigError
from mhds.records.adapters.alpaca import AlpacaAdapter
from mhds.records.adapters.base import (
    Adapter,
    AdapterOptions,
    Conversation,
    FieldMapping,
    InputKind,
)
from mhds.records.adapters.chatml import ChatMLAdapter
from mhds.records.adapters.counselchat import CounselChatAdapter
from mhds.records.adapters.mapped import MappedAdapter
from mhds.records.adapters.pairs import PairsAdapter
from mhds.records.adapters.sharegpt import ShareGPTAdapter
from mhds.records.adapters.transcript import TranscriptAdapter

ADAPTERS: dict[str, type[Adapter]] = {
    "alpaca": AlpacaAdapter,
    "chatml": ChatMLAdapter,
    "counselchat": CounselChatAdapter,
    "mapped": MappedAdapter,
    "pairs": PairsAdapter,
    "sharegpt": ShareGPTAdapter,
    "transcript": TranscriptAdapter,
}


def get_adapter(name: str) -> Adapter:
    """Return a new adapter for ``name``.

    Raises:
        ConfigError: ``name`` is unknown; the message lists the known names.
    """
    try:
        cls = ADAPTERS[name]
    except KeyError:
        known = ", ".join(sorted(ADAPTERS))
        raise ConfigError(f"unknown adapter {name!r}; known adapters: {known}") from None
    return cls()


__all__ = [
    "ADAPTERS",
    "Adapter",
    "AdapterOptions",
    "AlpacaAdapter",
    "ChatMLAdapter",
    "Conversation",
    "CounselChatAdapter",
    "FieldMapping",
    "InputKind",
    "MappedAdapter",
    "PairsAdapter",
    "ShareGPTAdapter",
    "TranscriptAdapter",
    "get_adapter",
]
