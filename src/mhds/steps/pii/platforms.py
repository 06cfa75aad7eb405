"""Links into platforms whose pages are their users': a site on a host that gives each user
one, a person's page or post on a social platform, and what someone posted on a site made for
posting. Such a link leads to a person, whatever the words around it say.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from mhds.steps.pii.lexicon import EDGE_PUNCTUATION
from mhds.steps.pii.urls import SCHEME, site_labels

_PATH_PIECE = re.compile(r"[^/?#]+")
#: Social platforms whose paths open with a user's handle or a post.
_SOCIAL_HOSTS = frozenset(
    {"facebook.com", "fb.com", "instagram.com", "twitter.com", "x.com", "tiktok.com",
     "linkedin.com", "pinterest.com", "threads.net", "snapchat.com"}
)  # fmt: skip
#: The platforms' own sections, which are no one's page.
_SOCIAL_SECTIONS = frozenset(
    {"groups", "pages", "events", "hashtag", "explore", "help", "legal", "policies", "policy",
     "about", "privacy", "terms", "login", "signup", "search", "watch", "home", "home.php",
     "share", "sharer", "sharer.php", "marketplace", "gaming", "fundraisers", "notes",
     "business", "ads", "i", "intent", "tos", "settings", "company", "school", "jobs"}
)  # fmt: skip
#: Sites where people post what they made: an image, a form or survey, a chat's invite, a
#: recording, a fundraiser. A link into one leads to whoever made it ("i.imgur.com/x.jpg",
#: "forms.gle/x", "discord.gg/x", "dundee.onlinesurveys.ac.uk/x").
_USER_CONTENT_HOSTS = frozenset(
    {"imgur.com", "redd.it", "gyazo.com", "prnt.sc", "ibb.co", "postimg.cc", "pastebin.com",
     "discord.gg", "forms.gle", "qualtrics.com", "surveymonkey.com", "typeform.com",
     "jotform.com", "surveyplanet.com", "onlinesurveys.ac.uk", "strawpoll.me", "gofundme.com",
     "justgiving.com", "patreon.com", "ko-fi.com", "soundcloud.com", "anchor.fm", "twitch.tv",
     "linktr.ee", "testflight.apple.com", "docs.google.com", "drive.google.com",
     "dropbox.com"}
)  # fmt: skip


def on_a_users_host(url: str) -> bool:
    """Whether a URL's site is one that a host gives each of its users ("x.blogspot.com",
    "x.github.io", "x.wixsite.com"): the private part of the Public Suffix List, as bundled
    with tldextract (read offline), says which hosts do. Such a site is its owner's."""
    return bool(_suffixes()(SCHEME.sub("", url.strip(EDGE_PUNCTUATION))).is_private)


def on_a_social_profile(url: str) -> bool:
    """Whether a URL is a person's page or post on a social platform: its path opens with a
    user's handle or a post's id ("facebook.com/kimberly.j.snell1/videos/...",
    "m.facebook.com/story.php?story_fbid=...&id=...", "instagram.com/jane.doe.art"), not
    with one of the platform's own sections ("facebook.com/groups/...", "/events/",
    "/hashtag/"). Like a forum's thread, such a page leads to whoever posted it."""
    value = SCHEME.sub("", url.strip(EDGE_PUNCTUATION).lower())
    labels = site_labels(value)
    host = ".".join(labels[1:] if labels[:1] in (["m"], ["mobile"]) else labels)  # "m.fb.com"
    if host not in _SOCIAL_HOSTS:
        return False
    first = _PATH_PIECE.match(value.partition("/")[2])
    return first is not None and first[0] not in _SOCIAL_SECTIONS


def on_a_user_content_host(url: str) -> bool:
    """Whether a URL leads into what someone posted on a site made for that: an image, a
    survey or form, a chat's invite, a recording or a fundraiser ("i.imgur.com/x.jpg",
    "iu.co1.qualtrics.com/jfe/form/...", "justgiving.com/Jess-W1996"). Such a link leads to
    whoever made it, even where a writer points a reader to it; the site alone
    ("imgur.com") is no one's."""
    value = SCHEME.sub("", url.strip(EDGE_PUNCTUATION).lower())
    host, _, path = value.partition("/")
    labels = site_labels(host)
    hosts = {".".join(labels[i:]) for i in range(len(labels) - 1)}
    return bool(hosts & _USER_CONTENT_HOSTS) and bool(path.strip("/?#"))


def load_suffix_list() -> None:
    """Read the bundled Public Suffix List now (a third of a second), not at the first URL a
    batch meets."""
    _suffixes()("example.com")


@cache
def _suffixes() -> Any:
    import tldextract  # imported on first use, with its bundled list: it never downloads

    return tldextract.TLDExtract(
        suffix_list_urls=(), cache_dir=None, include_psl_private_domains=True
    )
