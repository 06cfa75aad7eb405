"""The parts of a web address the site rules read: its scheme, its host's labels, and the
address itself as the site rules should see it (``as_read``: a page a viewer wraps is that
page, and Markdown's escapes are no part of it)."""

from __future__ import annotations

import re

from mhds.steps.pii.lexicon import EDGE_PUNCTUATION

#: A URL's scheme ("https://"), dropped before its host is read.
SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://")


def site_labels(value: str) -> list[str]:
    """The labels of the host of ``value`` (a URL without its scheme), "www" left out:
    "www.nami.org/help" gives ["nami", "org"]."""
    host = value.partition("/")[0].rpartition("@")[2].partition(":")[0].strip(".")
    return [label for label in host.split(".") if label and label != "www"]


#: A page Google's AMP viewer serves ("google.com/amp/s/www.nbcnews.com/news/..."): the page
#: is the one after it.
_AMP_VIEWER = re.compile(
    r"^(?:[a-z][a-z0-9+.-]*://)?(?:www\.)?google\.(?:com|[a-z]{2}|com?\.[a-z]{2})/amp/(?:s/)?(?=\w)",
    re.IGNORECASE,
)
#: A backslash Markdown puts before a character it would otherwise read ("cBc\_dvuRIjU").
_MARKDOWN_ESCAPE = re.compile(r"\\([_*~`\\])")


def as_read(value: str) -> str:
    """``value`` (a URL or an address) as the site rules read it: without Markdown's escapes
    ("youtu.be/cBc\\_dvu" is "youtu.be/cBc_dvu") and, for a page Google's AMP viewer serves,
    the page itself ("https://www.google.com/amp/s/www.nbcnews.com/news/x" is
    "https://www.nbcnews.com/news/x")."""
    value = _MARKDOWN_ESCAPE.sub(r"\1", value)
    viewer = _AMP_VIEWER.match(value)
    return "https://" + value[viewer.end() :] if viewer else value


def address_key(value: str) -> str:
    """The address ``value`` (a URL or an e-mail address) names, however it is written: read
    as the site rules read it (``as_read``), without its scheme, "www.", edge punctuation,
    letter case or closing slash ("https://www.X.com/a/" and "x.com/a" are one)."""
    value = SCHEME.sub("", as_read(value).strip(EDGE_PUNCTUATION).lower())
    return value.removeprefix("www.").rstrip("/")
