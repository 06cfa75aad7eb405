"""Public resources named in conversations (helplines, organisations, directories, public
figures, publications): an allowlist kept as data, each entry with a cited source, found in a
text in one pass so that the keep-list can spare detections inside them.

The data is ``data/public_resources.yaml``; its fields and the matching rules are described in
``data/PUBLIC_RESOURCES.md``. Case rules: a name or alias matches case-insensitively, except an
all-capitals single word (an acronym: "NAMI", "CALM") and the forms an entry lists under
``case_sensitive`` (common words: "Mind", "Shout"), which match only as written. A public
figure's surname alone ("Gottman") matches only as written, not right after another
capitalised word ("Magic Johnson", "Mr. Johnson"), and only once the figure's full name occurred
earlier in the text, or anywhere as a possessive ("Gottman's") when the entry sets
``surname_possessive``.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any, Literal, NamedTuple, get_args

import yaml

from mhds.errors import ConfigError
from mhds.steps.pii.lexicon import STRAIGHT_APOSTROPHES

ResourceKind = Literal["helpline", "organisation", "directory", "public_figure", "publication"]
#: The kinds an entry may have.
KINDS: tuple[str, ...] = get_args(ResourceKind)
#: The packaged allowlist: a folder of this package, and the file in it.
DATA_DIR = "data"
DATA_FILE = "public_resources.yaml"

_FIELDS = frozenset(
    {"name", "kind", "aliases", "domains", "region", "source", "case_sensitive", "surname",
     "surname_possessive"}
)  # fmt: skip
_REGION = re.compile(r"[A-Z]{2}|intl")
_DOMAIN = re.compile(r"(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,63}")
_THE = re.compile(r"the\s+", re.IGNORECASE)
_TITLE = r"dr\.?|doctor|prof\.?|professor"
_POSSESSIVE = r"(?P<pos>['’]s)?(?!\w)"
# A URL or bare host ("https://www.nami.org/help", "psychologytoday.com/us"): never the host of
# an e-mail address (no "@" either side) nor a host inside a path (no "/" or "." before it).
_URL_TOKEN = re.compile(
    r"(?<![\w@.:/-])(?P<scheme>[a-z][a-z0-9+.-]*://|www\.)?"
    r"(?P<host>(?:[a-z0-9][a-z0-9-]*\.)+[a-z]{2,63})(?![\w@-])"
    r"(?::\d{1,5})?(?:[/?#][^\s<>\"'`{}|\\^\[\]]*)?",
    re.IGNORECASE,
)
_URL_TRAILING = ".,;:!?"
# A capitalised word right before a surname makes it part of another name ("Magic Johnson")
_NAME_BEFORE = re.compile(r"(?<!\S)[A-Z][\w'’-]*\.?\s+$")
_LOOK_BACK = 40
#: A noun after a figure's surname that makes a term of it, the person's work rather than
#: the person ("Gottman Certified", "Gottman Method", "Maslow's Hierarchy").
EPONYM_AFTER = re.compile(
    r"[ \t-]+(?:[Mm]ethod|[Cc]ertified|[Aa]pproach|[Mm]odel|[Ii]nstitute|[Tt]echnique|[Tt]heory"
    r"|[Ss]cale|[Ii]nventory|[Tt]est|[Pp]rogram(?:me)?|[Pp]rinciple|[Ee]ffect|[Hh]ierarchy"
    r"|[Ss]tages|[Cc]ycle|[Tt]raining|[Ww]orkshop|[Ii]ntervention|[Ff]ramework)\b"
)
_TRIE_CHARS = {" ": r"\s+", "'": "['’]"}


@dataclass(frozen=True, slots=True)
class PublicResource:
    """One validated allowlist entry (see ``data/PUBLIC_RESOURCES.md`` for the fields)."""

    name: str
    kind: ResourceKind
    region: str
    source: str
    aliases: tuple[str, ...] = ()
    domains: tuple[str, ...] = ()
    case_sensitive: tuple[str, ...] = ()
    surname: str | None = None
    surname_possessive: bool = False


class _Located(NamedTuple):
    entry: PublicResource
    source: str
    item: int


class PublicResources:
    """The public-resource allowlist and its matcher.

    Args:
        entries: raw entries, as in the YAML file (mappings with ``name``, ``kind``...).
        source: where the entries come from, named in validation errors.

    Raises:
        ConfigError: an entry is malformed (missing or empty field, unknown kind or field, bad
            domain or region) or repeats another entry's name, alias or domain.
    """

    def __init__(self, entries: Iterable[Mapping[str, Any]], *, source: str = "<entries>") -> None:
        self._build(_parse_entries(entries, source))

    @classmethod
    def default(cls) -> PublicResources:
        """The packaged allowlist, loaded and compiled once per process."""
        return _default()

    @classmethod
    def from_file(cls, path: str | Path) -> PublicResources:
        """Load an allowlist YAML file (a list of entries)."""
        with open(path, encoding="utf-8") as handle:
            return cls(_read_yaml(handle.read(), str(path)), source=str(path))

    def extended(
        self, entries: Iterable[Mapping[str, Any]], *, source: str = "<entries>"
    ) -> PublicResources:
        """A new allowlist with ``entries`` added to these (duplicates are still errors)."""
        combined = type(self).__new__(type(self))
        combined._build(self._located + _parse_entries(entries, source))
        return combined

    @property
    def entries(self) -> tuple[PublicResource, ...]:
        """The entries, in file order."""
        return tuple(located.entry for located in self._located)

    def __len__(self) -> int:
        return len(self._located)

    def domains(self) -> frozenset[str]:
        """Every official domain (a URL on it or on a subdomain of it is public)."""
        return frozenset(self._domains)

    def ranges(self, text: str) -> list[tuple[int, int, str]]:
        """Where ``text`` names a public resource, as (start, end, kind), sorted by start.

        A range covers a name or alias with a leading "the" or, for a public figure, a title
        ("Dr.", "Prof."), and a trailing possessive "'s"; a surname alone under the rules of
        the module docstring; or a whole URL or bare host on an entry's domain. Ranges do not
        overlap, and no name is found inside any URL or host ("youtube.com/@someone" gives
        nothing: YouTube lists no domain).
        """
        urls, web = self._url_ranges(text)
        names, first_end = self._name_ranges(text, _Coverage(web))
        taken = urls + names
        surnames = self._surname_ranges(text, _Coverage(taken), first_end)
        return sorted(taken + surnames)

    def _build(self, located: tuple[_Located, ...]) -> None:
        self._located = located
        self._forms: dict[str, tuple[int, frozenset[str] | None]] = {}
        self._domains: dict[str, str] = {}
        self._surnames: dict[str, list[int]] = {}
        for position, (entry, source, index) in enumerate(located):
            self._add_forms(position, entry, source, index)
            for domain in entry.domains:
                if domain in self._domains:
                    raise _invalid(
                        source, index, entry.name, "domains", f"{domain!r} is listed twice"
                    )
                self._domains[domain] = entry.kind
            if entry.surname:
                for surname in {entry.surname, _unaccented(entry.surname)}:
                    self._surnames.setdefault(surname, []).append(position)
        # as written only: an unaccented "Mate's" is too often something else
        self._possessives = frozenset(
            e.surname for e, _, _ in located if e.surname and e.surname_possessive
        )
        names = _trie_pattern(self._forms, fold=True)
        self._names = re.compile(
            rf"(?<!\w)(?P<pre>(?:the|{_TITLE})\s+)?(?P<core>{names}){_POSSESSIVE}", re.IGNORECASE
        )
        surnames = _trie_pattern(self._surnames, fold=False)
        self._surname = re.compile(
            rf"(?<!\w)(?P<pre>(?i:{_TITLE})\s+)?(?P<core>{surnames}){_POSSESSIVE}"
        )

    def _add_forms(self, position: int, entry: PublicResource, source: str, index: int) -> None:
        """Index the entry's name and aliases, lower-cased; ``None`` marks any case."""
        own: dict[str, tuple[str, frozenset[str] | None]] = {}
        for field, written in (("name", entry.name), *(("aliases", a) for a in entry.aliases)):
            exact = written in entry.case_sensitive or _is_acronym(written)
            for form in _variants(written):
                key = form.lower()
                spellings = frozenset({form}) if exact else None
                if key in own:  # "The X" and "X" are one form, any case if either is
                    before = own[key][1]
                    spellings = None if before is None or spellings is None else before | spellings
                own[key] = (own.get(key, (field, None))[0], spellings)
        for key, (field, spellings) in own.items():
            if key in self._forms:
                other = self._located[self._forms[key][0]]
                problem = f"{key!r} is also a form of {_where(other, source)}"
                raise _invalid(source, index, entry.name, field, problem)
            self._forms[key] = (position, spellings)

    def _url_ranges(
        self, text: str
    ) -> tuple[list[tuple[int, int, str]], list[tuple[int, int, str]]]:
        """URLs and hosts on an entry's domain, and every URL or host (kept or not)."""
        found, web = [], []
        for match in _URL_TOKEN.finditer(text):
            end = match.start() + _url_length(match[0])
            kind = self._domain_kind(match["host"].lower())
            if kind is not None:
                found.append((match.start(), end, kind))
            # "Samaritans.They" is a missing space, not a host: a host ends in lower case
            if kind is not None or match["scheme"] or match["host"].rpartition(".")[2].islower():
                web.append((match.start(), end, ""))
        return found, web

    def _domain_kind(self, host: str) -> str | None:
        labels = host.split(".")
        for first in range(len(labels) - 1):
            kind = self._domains.get(".".join(labels[first:]))
            if kind is not None:
                return kind
        return None

    def _name_ranges(
        self, text: str, urls: _Coverage
    ) -> tuple[list[tuple[int, int, str]], dict[int, int]]:
        """Names and aliases outside URLs, and where each entry's first one ends."""
        found: list[tuple[int, int, str]] = []
        first_end: dict[int, int] = {}
        position = 0
        while match := self._names.search(text, position):
            hit = self._resolve(text, match)
            if hit is None:
                position = match.start() + 1
                continue
            start, end, entry_position = hit
            position = end
            if not urls.overlaps(start, end):
                found.append((start, end, self._located[entry_position].entry.kind))
                first_end.setdefault(entry_position, end)
        return found, first_end

    def _resolve(self, text: str, match: re.Match[str]) -> tuple[int, int, int] | None:
        """The accepted (start, end, entry) at ``match``, trying shorter forms on a case miss."""
        current: re.Match[str] | None = match
        while current is not None:
            core = " ".join(current["core"].split()).translate(STRAIGHT_APOSTROPHES)
            entry_position, spellings = self._forms[core.lower()]
            if spellings is None or core in spellings:
                figure = self._located[entry_position].entry.kind == "public_figure"
                prefix = (current["pre"] or "").lower()
                # "the" belongs to an organisation's name, a title to a person's
                wanted = bool(prefix) and prefix.startswith("the") != figure
                start = current.start() if wanted else current.start("core")
                return start, current.end(), entry_position
            current = self._names.match(text, match.start(), current.end("core") - 1)
            while current is not None and _continues_word(text, current.end()):
                current = self._names.match(text, match.start(), current.end("core") - 1)
        return None

    def _surname_ranges(
        self, text: str, taken: _Coverage, first_end: dict[int, int]
    ) -> list[tuple[int, int, str]]:
        """Surnames alone, after their figure's full name or as an allowed possessive."""
        if not first_end and not self._possessives and not EPONYM_AFTER.search(text):
            return []
        found = []
        for match in self._surname.finditer(text):
            surname = match["core"]
            after_name = any(
                first_end.get(p, len(text) + 1) <= match.start() for p in self._surnames[surname]
            )
            possessive = match["pos"] is not None and surname in self._possessives
            start = match.start()
            eponym = EPONYM_AFTER.match(text, match.end())
            if eponym is not None and not taken.overlaps(start, eponym.end()):
                found.append((start, eponym.end(), "public_figure"))
            elif (
                (after_name or possessive)
                and not _NAME_BEFORE.search(text, max(0, start - _LOOK_BACK), start)
                and not taken.overlaps(start, match.end())
            ):
                found.append((start, match.end(), "public_figure"))
        return found


class _Coverage:
    """Sorted, non-overlapping ranges, asked whether a range overlaps any of them."""

    def __init__(self, ranges: Iterable[tuple[int, int, str]]) -> None:
        ordered = sorted(ranges)
        self._starts = [start for start, _, _ in ordered]
        self._ends = [end for _, end, _ in ordered]

    def overlaps(self, start: int, end: int) -> bool:
        before = bisect_left(self._starts, end) - 1
        return before >= 0 and self._ends[before] > start


@cache
def _default() -> PublicResources:
    resource = files("mhds.steps.pii").joinpath(DATA_DIR).joinpath(DATA_FILE)
    source = str(resource)
    return PublicResources(_read_yaml(resource.read_text(encoding="utf-8"), source), source=source)


def _read_yaml(text: str, source: str) -> list[Any]:
    try:
        loaded = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise ConfigError(f"not valid YAML: {error}", source=source) from error
    if not isinstance(loaded, list):
        raise ConfigError("expected a list of entries", source=source)
    return loaded


def _parse_entries(entries: Iterable[Mapping[str, Any]], source: str) -> tuple[_Located, ...]:
    if isinstance(entries, str | bytes | Mapping):
        raise ConfigError("expected a list of entries", source=source)
    return tuple(_Located(_parse_entry(raw, source, i), source, i) for i, raw in enumerate(entries))


def _parse_entry(raw: object, source: str, index: int) -> PublicResource:
    if not isinstance(raw, Mapping):
        raise _invalid(source, index, None, None, "an entry must be a mapping")
    name = raw.get("name")
    label = name if isinstance(name, str) else None
    unknown = sorted(str(field) for field in raw if field not in _FIELDS)
    if unknown:
        raise _invalid(source, index, label, unknown[0], f"unknown field; use {sorted(_FIELDS)}")
    name, kind, region, cited = (
        _text(raw, field, source, index, label) for field in ("name", "kind", "region", "source")
    )
    if kind not in KINDS:
        raise _invalid(source, index, label, "kind", f"unknown kind {kind!r}; use {list(KINDS)}")
    if not _REGION.fullmatch(region):
        raise _invalid(source, index, label, "region", "use an ISO 3166 code (GB) or 'intl'")
    if not cited.startswith("https://") or len(cited) <= len("https://"):
        raise _invalid(source, index, label, "source", "must be an https:// URL")
    aliases = _texts(raw, "aliases", source, index, label)
    domains = _texts(raw, "domains", source, index, label)
    for domain in domains:
        if not _DOMAIN.fullmatch(domain) or domain.startswith("www."):
            problem = f"{domain!r} is not a lower-case host name without www."
            raise _invalid(source, index, label, "domains", problem)
    exact = _texts(raw, "case_sensitive", source, index, label)
    for form in exact:
        if form != name and form not in aliases:
            problem = f"{form!r} is neither the name nor an alias"
            raise _invalid(source, index, label, "case_sensitive", problem)
    surname, possessive = _surname(raw, name, kind, source, index)
    return PublicResource(
        name=name,
        kind=kind,  # type: ignore[arg-type]  # checked against KINDS above
        region=region,
        source=cited,
        aliases=aliases,
        domains=domains,
        case_sensitive=exact,
        surname=surname,
        surname_possessive=possessive,
    )


def _surname(
    raw: Mapping[str, Any], name: str, kind: str, source: str, index: int
) -> tuple[str | None, bool]:
    """A public figure's surname: the last of two or more words unless given (``null``: none)."""
    figure = kind == "public_figure"
    words = name.split()
    surname = raw.get("surname", words[-1] if figure and len(words) > 1 else None)
    possessive = raw.get("surname_possessive", False)
    if "surname" in raw and not figure:
        raise _invalid(source, index, name, "surname", "only a public_figure has a surname")
    if surname is not None and (
        not isinstance(surname, str) or not surname.strip() or not name.endswith(" " + surname)
    ):
        raise _invalid(source, index, name, "surname", "must be the last word(s) of the name")
    if not isinstance(possessive, bool) or (possessive and surname is None):
        raise _invalid(source, index, name, "surname_possessive", "true only with a surname")
    return surname, possessive


def _text(raw: Mapping[str, Any], field: str, source: str, index: int, label: str | None) -> str:
    value = raw.get(field)
    if value is None:
        raise _invalid(source, index, label, field, "missing")
    if not isinstance(value, str) or not value.strip():
        raise _invalid(source, index, label, field, "must be a non-empty string")
    return " ".join(value.split())


def _texts(
    raw: Mapping[str, Any], field: str, source: str, index: int, label: str | None
) -> tuple[str, ...]:
    values = raw.get(field) or []
    if not isinstance(values, list):
        raise _invalid(source, index, label, field, "must be a list")
    for value in values:
        if not isinstance(value, str) or not any(c.isalnum() for c in value):
            raise _invalid(source, index, label, field, f"empty or non-text item {value!r}")
    return tuple(" ".join(value.split()) for value in values)


def _invalid(
    source: str, index: int, name: str | None, field: str | None, problem: str
) -> ConfigError:
    where = f"entries[{index}]" + (f" ({name!r})" if name else "")
    where += f", field {field!r}" if field else ""
    return ConfigError(f"{where}: {problem}", source=source)


def _where(other: _Located, source: str) -> str:
    where = f"entries[{other.item}] ({other.entry.name!r})"
    return where if other.source == source else f"{where} in {other.source}"


def _variants(written: str) -> tuple[str, ...]:
    """The matched forms of a name: without a leading "the", and without accents too."""
    form = written.translate(STRAIGHT_APOSTROPHES)
    the = _THE.match(form)
    if the and the.end() < len(form):
        form = form[the.end() :]
    plain = _unaccented(form)
    return (form,) if plain == form else (form, plain)


def _unaccented(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def _is_acronym(form: str) -> bool:
    """A single word in capitals ("NAMI", "CAMH", "NHS"): matched only as written."""
    letters = [c for c in form if c.isalpha()]
    return " " not in form and len(letters) >= 2 and not any(c.islower() for c in letters)


def _trie_pattern(forms: Iterable[str], *, fold: bool) -> str:
    """One alternation of ``forms``, factored as a trie; greedy, so the longest form wins.

    A space matches any run of white space and an apostrophe either apostrophe. With ``fold``
    the forms are lower-cased (the pattern is then compiled case-insensitive).
    """
    root: dict[str, Any] = {}
    for form in forms:
        node = root
        for char in form.lower() if fold else form:
            node = node.setdefault(char, {})
        node[""] = {}
    return _trie_node(root) if root else "(?!)"


def _trie_node(node: dict[str, Any]) -> str:
    branches = [
        _TRIE_CHARS.get(char, re.escape(char)) + _trie_node(child)
        for char, child in sorted(node.items())
        if char
    ]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    return f"(?:{body})?" if "" in node else body


def _url_length(token: str) -> int:
    """The token's length without trailing punctuation or an unbalanced ")"."""
    end, opened, closed = len(token), token.count("("), token.count(")")
    while end:
        char = token[end - 1]
        if char == ")" and opened < closed:
            closed -= 1
        elif char not in _URL_TRAILING:
            break
        end -= 1
    return end


def _continues_word(text: str, index: int) -> bool:
    return index < len(text) and (text[index].isalnum() or text[index] == "_")
