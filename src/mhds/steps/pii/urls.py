"""The parts of a web address the site rules read: its scheme, and its host's labels."""

from __future__ import annotations

import re

#: A URL's scheme ("https://"), dropped before its host is read.
SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://")


def site_labels(value: str) -> list[str]:
    """The labels of the host of ``value`` (a URL without its scheme), "www" left out:
    "www.nami.org/help" gives ["nami", "org"]."""
    host = value.partition("/")[0].rpartition("@")[2].partition(":")[0].strip(".")
    return [label for label in host.split(".") if label and label != "www"]
