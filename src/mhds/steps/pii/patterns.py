"""Compiled-regex recognizers for identifiers that NER misses: contacts, numbers, ages over 89,
dated days, street addresses and titled or self-introduced names. Pure Python, no models.

Spans cover the identifying value only, never the cue around it: "MRN 48291" gives "48291",
"I'm 92" and "92 years old" give "92", "Dr. Sarah Johnson" gives "Sarah Johnson" (the title
stays: it is clinical context), "born in 1987" gives "1987". Spans may overlap across
categories (the engine resolves them). Crisis lines are found like any phone number; the
keep-list spares them. The regex sources live in :mod:`mhds.steps.pii.pattern_sources`, and
where in a text each rule runs in :mod:`mhds.steps.pii.pattern_scopes`; credentials (keys,
tokens, passwords) are found by :mod:`mhds.steps.pii.credentials`.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial

from mhds.steps.pii import pattern_sources as src
from mhds.steps.pii.addresses import AddressRecognizer, card_holder
from mhds.steps.pii.config import PIIConfig
from mhds.steps.pii.credentials import CredentialRecognizer
from mhds.steps.pii.lexicon import is_name_like, is_ordinary
from mhds.steps.pii.name_cues import is_stop_word, starts_sentence, without_glued_tail
from mhds.steps.pii.names import NameSlotRecognizer
from mhds.steps.pii.pattern_scopes import Scopes, positions
from mhds.steps.pii.spans import Category, Span

_SIGNATURE_WINDOW = 160
_LEADING = "([{<'\"“‘"
_TRAILING = ".,;:!?'\"”’"
_CLOSERS = {")": "(", "]": "[", "}": "{"}
_VIN_CHARS = frozenset("ABCDEFGHJKLMNPRSTUVWXYZ0123456789")
_TOKEN_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-")
_CUE_WORD = re.compile(r"[a-z'’/]+|#")
_WEB_CUE = re.compile(src.WEB_CUE)
#: Regions libphonenumber reads national numbers for (an international "+" number is read in
#: any of them); the phones of these countries have no "+" or country code in most texts.
PHONE_REGIONS = ("US", "CA", "GB", "IE", "DE", "FR", "ES", "IT", "NL", "CH", "IN", "AU")
#: JSON- or code-escaped line breaks and tabs ("...office\\n+41 ..."): read as spaces.
_ESCAPED_SPACE = re.compile(r"\\[ntr]")
_UNIT_AFTER = re.compile(src.UNIT_AFTER)
_COUNTED = re.compile(
    r"[ \t]+(?:people|persons|times|calls|texts|messages|users|clients|members)\b"
)
_GLUED_TAIL = re.compile(r"(?<=[a-z0-9/])[).!?]*[A-Z][a-z]{0,12}\Z")
#: A word run into a URL's "www." or scheme ("Lewiswww.", "helpfulhttps://").
_GLUED_HEAD = re.compile(r"[A-Za-z]*[a-z](www\.|https?://)")
#: A document's extension with the next sentence's first word glued on (".pdfBased on").
_GLUED_AFTER_DOCUMENT = re.compile(r"\.(?:pdf|html?|php|aspx?|docx?)(?=[A-Z][a-z]*['’]?[a-z]*\Z)")
_Check = Callable[[re.Match[str]], bool]


@dataclass(frozen=True, slots=True)
class _Rule:
    pattern: re.Pattern[str]
    category: Category
    recognizer: str
    score: float
    scope: str  # where it runs, see Scopes.ranges
    check: _Check | None = None
    trim: bool = False


class PatternRecognizers:
    """Regex recognizers for the identifier shapes NER does not cover.

    Args:
        config: the PII configuration. Crisis numbers are still found as PHONE candidates (the
            keep-list spares them); only the strict digit run skips them itself.
        strict: widen the patterns for the residual pass over already-redacted text: any run of
            7+ digits, any ``@`` token, any www/http token, any word.tld token, obfuscated
            e-mails ("jo at mail dot com"), and capitalized word(s) after a title of any case.
    """

    def __init__(self, config: PIIConfig, *, strict: bool = False) -> None:
        self.strict = strict
        self._crisis = frozenset(config.crisis_numbers)
        helpers = ("PLACEHOLDER", "SIGNATURE", "BULLET_BEFORE", "DIGIT_TOKEN", "AGE_CONTEXT",
                   "PHONE_CANDIDATE", "NOT_PHONE", "PHONE_EXTENSION", "EVENT_CONTEXT",
                   "BIRTH_CONTEXT", "DAY_MONTH_CONTEXT", "DAY_ALONE_CONTEXT", "ZIP_CONTEXT",
                   "TITLE_LOWER", "CREDENTIAL", "OBFUSCATED_DOMAIN", "OBFUSCATED_LOCAL",
                   "NAME_BEFORE_CREDENTIALS", "PHONE_CUE")  # fmt: skip
        self._re = {name: re.compile(getattr(src, name)) for name in helpers}
        self._rules = self._build_rules()
        self._credentials = CredentialRecognizer()
        self._addresses = AddressRecognizer()
        self._names = NameSlotRecognizer()

    def find(self, text: str) -> list[Span]:
        """Candidate identifier spans in ``text``, sorted; spans of different categories may
        overlap, a span inside another of its category is dropped."""
        scopes = Scopes(text, self._re["TITLE_LOWER"])
        spans = [span for rule in self._rules for span in _rule_spans(text, scopes, rule)]
        if scopes.ranges("digits"):
            spans.extend(self._find_id_tokens(text))
            spans.extend(self._find_libphonenumber(text))
        if self.strict:
            spans.extend(self._find_obfuscated_emails(text, scopes.lower))
        spans.extend(self._find_signature(text))
        spans.extend(self._find_credentialed_names(text))
        spans.extend(self._credentials.find(text))
        spans.extend(self._addresses.find(text))
        spans.extend(self._names.find(text))
        spans.extend(card_holder(text, spans))
        if "[" in text:
            holes = [m.span() for m in self._re["PLACEHOLDER"].finditer(text)]
            spans = [s for s in spans if not any(s.start < e and b < s.end for b, e in holes)]
        return _drop_nested(spans)

    def find_addresses(self, text: str) -> list[Span]:
        """The links and e-mail addresses the rules find in ``text``, bounded as ``find``
        bounds them (nested ones kept: a caller compares each with an address it knows)."""
        scopes = Scopes(text, self._re["TITLE_LOWER"])
        return [
            span
            for rule in self._rules
            if rule.category in (Category.URL, Category.EMAIL)
            for span in _rule_spans(text, scopes, rule)
        ]

    def _build_rules(self) -> list[_Rule]:
        def rule(source: str, category: Category, name: str, score: float, scope: str,
                 check: _Check | None = None, trim: bool = False) -> _Rule:  # fmt: skip
            return _Rule(re.compile(source), category, name, score, scope, check, trim)

        c = Category
        rules = [
            rule(src.EMAIL, c.EMAIL, "email_regex", 0.95, "at"),
            rule(src.URL, c.URL, "url_regex", 0.85, "dot", trim=True),
            rule(src.URL_PATH, c.URL, "url_path_regex", 0.75, "slashes"),
            rule(src.IPV4, c.IP_ADDRESS, "ipv4_regex", 0.9, "gates", _is_ipv4),
            rule(src.IPV6, c.IP_ADDRESS, "ipv6_regex", 0.9, "colons", _is_ipv6),
            rule(src.PHONE_PLUS, c.PHONE, "phone_regex", 0.8, "digits", _is_phone),
            rule(src.PHONE_PAREN, c.PHONE, "phone_regex", 0.8, "digits"),
            rule(src.PHONE_DIGIT, c.PHONE, "phone_regex", 0.8, "gates"),
            rule(src.PHONE_LOCAL, c.PHONE, "phone_cued_regex", 0.75, "gates", self._cued_phone),
            rule(
                src.PHONE_LOCAL_PAREN, c.PHONE, "phone_cued_regex", 0.75, "digits", self._cued_phone
            ),
            rule(src.PHONE_GLUED, c.PHONE, "phone_regex", 0.75, "digits"),
            rule(src.SSN, c.ID, "ssn_regex", 0.9, "gates", _is_ssn),
            rule(src.CARD, c.ID, "credit_card_regex", 0.9, "gates", _is_luhn),
            rule(src.IBAN, c.ID, "iban_regex", 0.9, "all", _is_iban),
            rule(src.AGE, c.AGE, "age_regex", 0.85, "gates", self._is_old_age),
            rule(src.AGE_WORDS, c.AGE, "age_words_regex", 0.85, "age_words"),
            rule(src.DATE_NUMERIC, c.DATE, "date_numeric_regex", 0.85, "gates", _is_day_date),
            rule(src.DATE_DAY_MONTH, c.DATE, "date_named_regex", 0.85, "gates", _is_day_month),
            rule(
                src.DATE_DAY_MONTH_NUMBERS,
                c.DATE,
                "date_numeric_regex",
                0.8,
                "gates",
                self._is_said_day,
            ),
            rule(
                src.DATE_DAY_MONTH_LOWER, c.DATE, "date_named_regex", 0.85, "gates", _is_day_month
            ),
            rule(src.DATE_MONTH_DAY, c.DATE, "date_named_regex", 0.85, "digits", self._is_named),
            rule(
                src.DATE_MONTH_DAY_LOWER, c.DATE, "date_named_regex", 0.85, "digits", _starts_word
            ),
            rule(src.DATE_DAY_ALONE, c.DATE, "date_day_regex", 0.8, "gates", self._is_pinned_day),
            rule(src.HOLIDAY_DATE, c.DATE, "date_holiday_regex", 0.85, "digits"),
            rule(src.HOLIDAY_DAY, c.DATE, "date_holiday_regex", 0.8, "all"),
            rule(
                src.BIRTH_YEAR,
                c.DATE,
                "birth_year_regex",
                0.8,
                "gates",
                self._after("BIRTH_CONTEXT", 40),
            ),
            rule(src.STREET, c.LOCATION, "street_address_regex", 0.85, "gates"),
            rule(src.PO_BOX, c.LOCATION, "street_address_regex", 0.85, "box"),
            rule(src.ZIP, c.LOCATION, "zip_regex", 0.8, "gates", self._after("ZIP_CONTEXT", 24)),
            rule(src.PERSON_TITLED, c.PERSON, "person_title_regex", 0.8, "all", _starts_word),
            rule(src.PERSON_INTRO, c.PERSON, "person_intro_regex", 0.8, "intro", _is_intro),
            rule(src.REDDIT_USER, c.PERSON, "handle_regex", 0.9, "handles", _is_handle),
        ]
        if self.strict:
            rules += [
                rule(src.WEB_TOKEN, c.URL, "web_token_strict", 0.6, "web", _is_web, trim=True),
                rule(src.STRICT_DOMAIN, c.URL, "domain_strict", 0.5, "dot"),
                rule(src.DIGIT_RUN, c.ID, "digit_run_strict", 0.5, "gates", self._is_not_crisis),
                rule(src.STRICT_PERSON, c.PERSON, "person_strict", 0.6, "titles", _starts_word),
            ]
        return rules

    def _find_id_tokens(self, text: str) -> list[Span]:
        """VINs, and values after an ID cue ("MRN 48291", "member ID #XJ4421937")."""
        found = []
        for match in self._re["DIGIT_TOKEN"].finditer(text):
            start, end = match.span()
            while start > 0 and text[start - 1] in _TOKEN_CHARS:
                start -= 1
            while text[start] == "-":
                start += 1
            while text[end - 1] == "-":
                end -= 1
            value = text[start:end]
            if len(value) == 17 and _VIN_CHARS.issuperset(value) and not value.isdigit():
                found.append(Span(start, end, Category.ID, 0.7, "vin_regex"))
            elif 4 <= len(value) <= 30 and _has_id_cue(text, start):
                found.append(Span(start, end, Category.ID, 0.85, "id_context_regex"))
        return found

    def _find_libphonenumber(self, text: str) -> list[Span]:
        """Phone numbers libphonenumber validates for one of ``PHONE_REGIONS`` (with Presidio's
        leniency, VALID), where the text has a run of 7+ digits: the national formats of other
        countries ("021 947 68 19", "(07700) 649 405", "+41 (0)43 363 95 32")."""
        if self._re["PHONE_CANDIDATE"].search(text) is None:
            return []
        from phonenumbers import Leniency, PhoneNumberMatcher

        read = _ESCAPED_SPACE.sub("  ", text) if "\\" in text else text
        found: dict[tuple[int, int], Span] = {}
        for region in PHONE_REGIONS:
            for match in PhoneNumberMatcher(read, region, leniency=Leniency.VALID):
                start, end = match.start, match.end
                if (ext := self._re["PHONE_EXTENSION"].search(read, start, end)) is not None:
                    end = ext.start()  # as the phone rules: the number, not its extension
                if (start, end) in found or not self._is_phone_shape(read, start, end):
                    continue
                found[start, end] = Span(start, end, Category.PHONE, 0.75, "phone_libphonenumber")
        if read is not text:  # the phone rules again, now that "\\n+41 ..." starts a word
            for rule in self._rules:
                if rule.category is Category.PHONE:
                    for hit in rule.pattern.finditer(read):
                        if rule.check is None or rule.check(hit):
                            span = Span(*hit.span(), Category.PHONE, rule.score, rule.recognizer)
                            found.setdefault(hit.span(), span)
        return list(found.values())

    def _is_phone_shape(self, text: str, start: int, end: int) -> bool:
        value = text[start:end]
        if sum(c.isdigit() for c in value) < 7 or self._re["NOT_PHONE"].fullmatch(value):
            return False
        return _UNIT_AFTER.match(text, end) is None

    def _find_obfuscated_emails(self, text: str, lower: str) -> list[Span]:
        """ "jo at mail dot com", "jo [at] mail [dot] org": anchored on the "at" cue."""
        found = []
        if len(lower) != len(text):
            lower = text  # lower-casing moved offsets; the cues are lower case anyway
        for cue in ("[at]", "(at)", "{at}", " at "):
            for pos in positions(lower, cue):
                domain = self._re["OBFUSCATED_DOMAIN"].match(text, pos + len(cue))
                if domain is None:
                    continue
                local = self._re["OBFUSCATED_LOCAL"].search(text, max(0, pos - 64), pos)
                if local is not None:
                    span = Span(local.start(), domain.end(), Category.EMAIL, 0.6, "email_strict")
                    found.append(span)
        return found

    def _find_signature(self, text: str) -> list[Span]:
        match = self._re["SIGNATURE"].search(text, max(0, len(text) - _SIGNATURE_WINDOW))
        if match is None:
            return []
        start, end = _value_span(match)
        if match["v"] and self._re["BULLET_BEFORE"].search(text, 0, match.start() + 1):
            return []  # the last item of a "- ..." list, not a signature
        return [Span(start, end, Category.PERSON, 0.7, "signature_regex")]

    def _find_credentialed_names(self, text: str) -> list[Span]:
        """A name before clinical credentials, even glued to the word before it (as in scraped
        answers: "...contact me for informationLaura Cassity, LMSW, LMAC")."""
        found = []
        for hit in self._re["CREDENTIAL"].finditer(text):
            start = hit.start()
            if start == 0 or text[start - 1] not in " ,\t":
                continue
            match = self._re["NAME_BEFORE_CREDENTIALS"].search(text, max(0, start - 96), start)
            if match is not None:
                span = Span(match.start("v"), match.end("v"), Category.PERSON, 0.75,
                            "person_credentials_regex")  # fmt: skip
                found.append(span)
        return found

    def _cued_phone(self, match: re.Match[str]) -> bool:
        if _UNIT_AFTER.match(match.string, match.end()) or _COUNTED.match(
            match.string, match.end()
        ):
            return False  # "call 2 000 000 people": a count, not a number to call
        return _preceded(self._re["PHONE_CUE"], 48, match) and not self._re["NOT_PHONE"].fullmatch(
            match[0]
        )

    def _is_old_age(self, match: re.Match[str]) -> bool:
        if not 90 <= int(match["v"]) <= 125:
            return False
        return bool(match["old"]) or _preceded(self._re["AGE_CONTEXT"], 24, match)

    def _is_named(self, match: re.Match[str]) -> bool:
        if not _starts_word(match):
            return False
        return match["year"] is None or _preceded(self._re["EVENT_CONTEXT"], 40, match)

    def _is_said_day(self, match: re.Match[str]) -> bool:
        """A day and a month by their numbers where a birthday or a weekday is said of them."""
        return _is_day_date(match) and _preceded(self._re["DAY_MONTH_CONTEXT"], 40, match)

    def _is_pinned_day(self, match: re.Match[str]) -> bool:
        """A day of the month alone, pinned by its month ("of last month"), by a weekday, or by
        "until the" and its like where the ordinal ends its phrase."""
        if match["month"] is not None:
            return True
        start = match.start()
        cue = self._re["DAY_ALONE_CONTEXT"].search(match.string, max(0, start - 40), start)
        if cue is None:
            return False
        if cue["weekday"] is None:
            return match["open"] is None
        return cue["weekday"].lower() != "fri" or match[0] != "13th"

    def _after(self, context: str, reach: int) -> _Check:
        return partial(_preceded, self._re[context], reach)  # a partial pickles

    def _is_not_crisis(self, match: re.Match[str]) -> bool:
        digits = "".join(c for c in match[0] if c.isdigit())
        return not {digits, digits[1:] if digits[:1] == "1" else digits} & self._crisis


def _preceded(context: re.Pattern[str], reach: int, match: re.Match[str]) -> bool:
    """Whether ``context`` (anchored with \\Z) ends where ``match`` starts."""
    start = match.start()
    return context.search(match.string, max(0, start - reach), start) is not None


def _has_id_cue(text: str, start: int) -> bool:
    # The cue must be in the same clause: cut the look-back at a sentence end or a digit
    # (an earlier value), then look for a cue among the last six words.
    window = re.split(r"[.!?;](?:\s|$)|[0-9]", text[max(0, start - 40) : start])[-1]
    words = _CUE_WORD.findall(window.lower())
    while words and words[-1] in src.ID_FILLERS:
        words.pop()
    words = words[-6:]
    return any(
        " ".join(words[i : i + n]) in src.ID_CUES for n in (1, 2) for i in range(len(words) - n + 1)
    )


def _rule_spans(text: str, scopes: Scopes, rule: _Rule) -> Iterator[Span]:
    """The spans ``rule`` finds in ``text`` where its scope lets it run, checked and bounded:
    trimmed of edge punctuation, a URL without the words glued to either end of it, a name
    without the next sentence's first word glued to it."""
    for match in scopes.matches(rule.pattern, rule.scope):
        if rule.check is not None and not rule.check(match):
            continue
        start, end = _value_span(match)
        if rule.trim:
            start, end = _trim(text, start, end)
        if rule.category is Category.URL:
            start = _without_glued_start(text, start, end)
            end = _without_glued_word(text, start, end)
        elif rule.category is Category.PERSON:
            end = without_glued_tail(text, start, end)  # "Dr. Ana RuizThe next step"
        if start < end:
            yield Span(start, end, rule.category, rule.score, rule.recognizer)


def _value_span(match: re.Match[str]) -> tuple[int, int]:
    for name in ("v", "v2"):
        if name in match.re.groupindex and match.start(name) >= 0:
            return match.span(name)
    return match.span()


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start] in _LEADING:
        start += 1
    while end > start:
        last = text[end - 1]
        unbalanced = last in _CLOSERS and text.count(last, start, end) > text.count(
            _CLOSERS[last], start, end
        )
        if last not in _TRAILING and not unbalanced:
            break
        end -= 1
    return start, end


def _without_glued_start(text: str, start: int, end: int) -> int:
    """Where a URL starts without the word glued before it by a missing space ("Lewiswww.x.com"
    after a signature's name): at its "www." or scheme when letters run into it."""
    glued = _GLUED_HEAD.search(text, start, end)
    return glued.start(1) if glued is not None and glued.start() == start else start


def _without_glued_word(text: str, start: int, end: int) -> int:
    """Where a URL ends without the next sentence's first word glued to it by a missing space
    ("…/home/There are", "…anxiety.htmlI would", "…iceeft.com).To summarize"): an English stop
    word, after the sentence's end if any, followed by a space,
    or any capitalised word right after a document's extension ("…/Violence.pdfBased on")."""
    document = _GLUED_AFTER_DOCUMENT.search(text, start, end)
    if (
        document is not None
        and document.start() > start
        and not is_name_like(text[document.end() : end])
    ):
        return document.end()  # a name glued on ("...pdfJane said") stays inside the span
    glued = _GLUED_TAIL.search(text, start, end)
    if (
        glued is not None
        and glued.start() > start
        and text[end : end + 1] in (" ", "\u00a0", "\t")
        and is_stop_word(glued[0].lstrip(").!?"))
    ):
        return _trim(text, start, glued.start())[1]
    return end


def _is_intro(match: re.Match[str]) -> bool:
    """An introduction ("call me Dana"), not a title that starts with one in the middle of a
    sentence ("a documentary such as Call me Crazy")."""
    cue = match[0]
    return (
        not cue[0].isupper() or cue.startswith("I") or starts_sentence(match.string, match.start())
    )


def _starts_word(match: re.Match[str]) -> bool:
    start = match.start()
    return start == 0 or not match.string[start - 1].isalnum()


def _is_web(match: re.Match[str]) -> bool:
    return _WEB_CUE.search(match[0]) is not None and not match[0].endswith("@")


def _is_ipv4(match: re.Match[str]) -> bool:
    return all(int(part) <= 255 for part in match[0].split("."))


def _is_ipv6(match: re.Match[str]) -> bool:
    try:
        return sum(c not in ":." for c in match[0]) >= 4 and bool(ipaddress.IPv6Address(match[0]))
    except ValueError:
        return False


def _is_phone(match: re.Match[str]) -> bool:
    return 8 <= sum(c.isdigit() for c in match[0]) <= 15


def _is_iban(match: re.Match[str]) -> bool:
    """ISO 13616: the country and check digits moved to the end, letters as 10-35, mod 97 is 1."""
    value = match[0].replace(" ", "")
    if not 15 <= len(value) <= 34 or value[4:].isalpha():
        return False
    moved = value[4:] + value[:4]
    return int("".join(str(int(c, 36)) for c in moved)) % 97 == 1


def _is_ssn(match: re.Match[str]) -> bool:
    area, group, serial = re.split(r"[- ]", match[0])
    return area not in ("000", "666") and area[0] != "9" and group != "00" and serial != "0000"


def _is_luhn(match: re.Match[str]) -> bool:
    digits = [int(c) for c in match[0] if c.isdigit()]
    if not 12 <= len(digits) <= 19:
        return False
    total = sum(d if i % 2 == 0 else (d * 2 - 9 if d > 4 else d * 2)
                for i, d in enumerate(reversed(digits)))  # fmt: skip
    return total % 10 == 0


def _is_day_date(match: re.Match[str]) -> bool:
    groups = re.findall(r"[0-9]+", match[0])
    if len(groups[0]) == 4:  # ISO order: year, month, day
        return 1 <= int(groups[1]) <= 12 and 1 <= int(groups[2]) <= 31
    a, b = int(groups[0]), int(groups[1])
    return (1 <= a <= 12 and 1 <= b <= 31) or (1 <= b <= 12 and 1 <= a <= 31)


_MIN_HANDLE_LETTERS = 3


def _is_handle(match: re.Match[str]) -> bool:
    """A user's handle, not "u/" before a word or a unit ("love u/miss u", "40 u/day", "1
    u/10g"): three letters or more, and a digit, a capital, "_" or "-" in it, or no ordinary
    English word."""
    name = match[0].rpartition("u/")[2]
    if sum(c.isalpha() for c in name) < _MIN_HANDLE_LETTERS:
        return False  # "1 u/10g", "u/50mg": units
    return not (name.isalpha() and name.islower() and is_ordinary(name))


def _is_day_month(match: re.Match[str]) -> bool:
    return 1 <= int(re.match(r"[0-9]+", match[0])[0]) <= 31  # type: ignore[index]


def _drop_nested(spans: list[Span]) -> list[Span]:
    """Sorted spans without those inside a longer span of their category, or an equal one
    found with a higher score (a signature's name over the same word's shape)."""
    kept: list[Span] = []
    reach: dict[Category, int] = {}
    for span in sorted(spans, key=lambda s: (s.start, -s.end, -s.score)):
        if span.end > reach.get(span.category, -1):
            kept.append(span)
            reach[span.category] = span.end
    return kept
