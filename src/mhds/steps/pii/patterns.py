"""Compiled-regex recognizers for identifiers that NER misses: contacts, numbers, ages over 89,
dated days, street addresses and titled or self-introduced names. Pure Python, no models.

Spans cover the identifying value only, never the cue around it: "MRN 48291" gives "48291",
"I'm 92" gives "92", "Dr. Sarah Johnson" gives "Sarah Johnson" (the title stays, it is
clinical context), "born in 1987" gives "1987". Spans may overlap; the engine resolves them.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from dataclasses import dataclass

from mhds.steps.pii.config import PIIConfig
from mhds.steps.pii.keep_terms import US_STATE_CODES, US_STATE_NAMES
from mhds.steps.pii.spans import Category, Span

#: Placeholders the redactor writes; never matched, in either mode.
PLACEHOLDER = r"\[[A-Z_]+_\d+\]"

_MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
    r"|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)"
)
_DAY = r"(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)?"
_TITLE = r"(?:Dr|Mr|Mrs|Ms|Mx|Miss|Prof|Professor|Doctor|Rev|Judge)"
_NAME = r"[A-Z][A-Za-z'’-]*[a-z]"
_NAMES = rf"(?:[A-Z]\.[ \t]*)?{_NAME}(?:[ \t]+(?:[A-Z]\.[ \t]+)?{_NAME}){{0,2}}"
_NOT_NAME = (
    r"(?!(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|Today|Tomorrow|Tonight"
    r"|Later|Back|Anytime|Whenever|Anything|Whatever)\b)"
)
_UNIT = (
    r"(?:%|percent|mg|mcg|ml|g|kg|kilos?|lbs?|pounds|mph|km|miles|minutes|mins?|hours?|hrs?"
    r"|days|weeks|months|degrees|dollars|bucks|times|points|feet|ft|cm|inches|calories|pages"
    r"|steps|units|k)\b"
)
_TLDS = (
    r"com|net|org|edu|gov|mil|int|info|biz|io|co|us|uk|ca|au|nz|ie|de|fr|es|nl|se|ch|eu|me|tv"
    r"|ly|app|dev|ai|health|care|online|site|xyz|tech|blog|life|live|email|page|website|space"
    r"|store|shop|club|studio|design|today|world|news|coach|therapy|clinic|center|mx|br|jp|za"
)
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\."
_URL_TAIL = r"[^\s<>\"'\[\]]"

_EMAIL = r"(?<![\w.%+-])[\w.%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,24}(?![\w-])"
_EMAIL_OBFUSCATED = (
    r"(?i:(?<![\w.+-])[\w.+-]+[ \t]*(?:\[at\]|\(at\)|\{at\}|[ \t]at[ \t])[ \t]*[\w-]+"
    r"(?:[ \t]*(?:\[dot\]|\(dot\)|\{dot\}|[ \t]dot[ \t]|\.)[ \t]*[\w-]+)*?"
    r"[ \t]*(?:\[dot\]|\(dot\)|\{dot\}|[ \t]dot[ \t]|\.)[ \t]*(?:com|org|net|edu|gov|io|me|us)\b)"
)
_URL = (
    rf"(?:https?|ftp)://{_URL_TAIL}+"
    rf"|(?<![\w./@-])www\d{{0,3}}\.{_URL_TAIL}+"
    rf"|(?<![\w./@-])(?:{_LABEL})+(?i:{_TLDS})(?![\w-])(?:[/?#]{_URL_TAIL}*)?"
    rf"|(?<![\w./@-])(?:{_LABEL})+[A-Za-z]{{2,12}}/[\w~%-]{_URL_TAIL}*"
)
_IPV4 = r"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?!\.?\d|\w)"
_IPV6 = (
    r"(?<![\w:.])(?:[0-9A-Fa-f]{0,4}:){2,7}(?:[0-9A-Fa-f]{1,4}|\d{1,3}(?:\.\d{1,3}){3})?"
    r"(?![\w:])"
)
_PHONE = (
    r"(?<![\w+@/.$-])(?:"
    r"(?:\+?1[ .-]?)?(?:\(\d{3}\)[ .-]?|\d{3}[ .-]?)\d{3}[ .-]?\d{4}"
    r"|(?:\+?1[ .-]?)?\(?8(?:00|33|44|55|66|77|88)\)?[ .-]?(?=[A-Z0-9 .-]*[A-Z])"
    r"[A-Z0-9]{3}[ .-]?[A-Z0-9]{4}[A-Z]{0,3}"
    r"|\+\d{1,3}(?:[ .-]?\(\d{1,4}\)|[ .-]\d{1,5}){2,7}"
    r"|\d{3}-\d{4}"
    rf")(?![\w-]|\.\d)(?![ \t]*{_UNIT})"
)
_SSN = r"(?<![\w-])(?!000|666|9\d\d)\d{3}(?P<sep>[- ])(?!00)\d{2}(?P=sep)(?!0000)\d{4}(?![\w-])"
_ID_NO = r"(?:[ \t]+(?:number|no\.?|num|id|\#))?"
_ID_CONTEXT = (
    r"(?i:\b(?:mrn|medical[ \t]+record(?:[ \t]+(?:number|no\.?|\#))?|chart[ \t]+(?:number|no\.?)"
    r"|(?:patient|insurance|member|subscriber|policy|group|plan|claim|medicaid|medicare|case"
    r"|account|employee|student|badge|device)[ \t]+(?:id|number|no\.?|num|\#)|acct\.?"
    r"|(?:driver'?s[ \t]+)?licen[cs]e(?:[ \t]+plate)?" + _ID_NO + r"|vin|plate" + _ID_NO
    + r"|tag[ \t]+number|serial" + _ID_NO + r"|s/n|imei|passport" + _ID_NO + r"|npi|ssn"
    r"|social[ \t]+security(?:[ \t]+number)?)\b\.?)[ \t]*(?:(?i:is|was|:|=|\#|-)[ \t]*)*"
    r"(?P<v>(?=[A-Za-z0-9-]*\d)[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)(?![\w-])"
)
_VIN = r"\b(?=[A-HJ-NPR-Z0-9]*?\d)(?=[A-HJ-NPR-Z0-9]*?[A-HJ-NPR-Z])[A-HJ-NPR-Z0-9]{17}\b"
_CARD = r"(?<![\w-])(?:\d{4}(?P<sep>[ -]?)\d{4}(?P=sep)\d{4}(?P=sep)\d{1,7}|\d{4}[ -]?\d{6}[ -]?\d{5})(?![\w-])"
_DIGIT_RUN = r"(?<![\w.])\d(?:[ .-]?\d){6,}(?!\w)"
_AGE = (
    r"(?<![\w.])(?P<v>\d{2,3})[ \t-]*(?:(?:years?|yrs?)[ \t-]*old\b|(?:yo|y/o|y\.o\.)(?!\w))"
    r"|(?i:\b(?:i['’]?m|i[ \t]+am|(?:he|she|they)(?:['’]s|['’]re|[ \t]+is|[ \t]+are)|aged?"
    r"|age[ \t]*[:=-]|turned|turning|turns|will[ \t]+be|is[ \t]+now)[ \t]*)"
    rf"(?P<v2>\d{{2,3}})(?![\w/-]|[.,:]\d|[ \t]*{_UNIT})"
)
_AGE_WORDS = (
    r"(?i:\b(?P<v>ninety(?:[ -](?:one|two|three|four|five|six|seven|eight|nine))?"
    r"|(?:a|one)[ ]hundred(?:[ ](?:and[ ])?[a-z]+)?)[ -]years?[ -]old\b)"
)
_DATE_NUMERIC = (
    r"(?<![\w/.-])(?:\d{1,2}(?P<sep>[/-])\d{1,2}(?P=sep)(?:\d{4}|\d{2})|\d{1,2}\.\d{1,2}\.\d{4}"
    r"|\d{4}(?P<sep2>[/-])\d{1,2}(?P=sep2)\d{1,2}|(?<=\bon[ ])\d{1,2}/\d{1,2})(?![\w/-]|\.\d)"
)
_DATE_NAMED = (
    rf"\b{_MONTH}\.?[ \t]+(?:the[ \t]+)?{_DAY}(?:,?[ \t]+(?:19|20)\d{{2}})?(?![\w:]|[.,]\d)"
    rf"|\b{_DAY}[ \t]+(?:of[ \t]+)?{_MONTH}\b(?:,?[ \t]+(?:19|20)\d{{2}}\b)?"
)
_DATE_EVENT = (
    r"(?i:\b(?:born|died|passed[ \t]+away|admitted|discharged|hospitali[sz]ed|dob|b\."
    r"|date[ \t]+of[ \t]+birth)[ \t:]+(?:(?:in|on|back[ \t]+in|around|circa|during)[ \t]+)?)"
    rf"(?P<v>(?:{_MONTH}[ \t]+)?(?:19|20)\d{{2}}|['’]\d{{2}})\b"
)
_STREET_SUFFIX = (
    r"(?:Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Place|Pl"
    r"|Terrace|Ter|Way|Circle|Cir|Parkway|Pkwy|Highway|Hwy|Square|Sq|Trail|Trl|Loop|Alley"
    r"|Plaza|Crescent|Pike|Turnpike|Expressway|Freeway)"
)
_STREET = (
    r"(?<![\w.,$-])\d{1,6}[A-Z]?[ \t]+(?:(?:[NSEW]\.?|North|South|East|West)[ \t]+)?"
    rf"(?:\d{{1,3}}(?:st|nd|rd|th)|[A-Z][a-z]+)(?:[ \t]+[A-Z][a-z]+){{0,3}}[ \t]+{_STREET_SUFFIX}\b"
    r"(?:\.?,?[ \t]+(?:Apt|Apartment|Unit|Suite|Ste|Fl|Floor|Rm|Room)\.?[ \t]*\#?[ \t]*"
    r"[A-Za-z0-9-]+|[ \t]*\#[ \t]*[A-Za-z0-9-]+)?"
    r"|(?i:\b(?:p\.?[ \t]?o\.?[ \t]*box|post[ \t]+office[ \t]+box))[ \t]*\#?[ \t]*\d{1,6}\b"
)
_ZIP = r"(?<![\w$.,-])\d{5}(?:-\d{4})?(?![\w-]|[.,]\d)"
_ZIP_CONTEXT = (
    r"(?:\b(?:" + "|".join(US_STATE_CODES) + "|" + "|".join(US_STATE_NAMES) + r")"
    r"|(?i:\bzip(?:[ \t]?code)?|\bpostal[ \t]+code))\.?[ \t:#,]*\Z"
)
_PERSON_TITLED = rf"\b{_TITLE}(?:\.[ \t]*|[ \t]+)(?P<v>{_NAMES})"
_PERSON_INTRO = (
    r"(?i:\b(?:my[ \t]+name(?:[ \t]+is|['’]s)|name['’]s|i['’]?m[ \t]+called|i[ \t]+am[ \t]+called"
    r"|call[ \t]+me|i[ \t]+go[ \t]+by|(?:everyone|people|they)[ \t]+calls?[ \t]+me))[ \t]+"
    rf"{_NOT_NAME}(?P<v>{_NAMES})"
)
_STRICT_PERSON = (
    r"(?i:\b(?:dr|mr|mrs|ms|mx|miss|prof|professor|doctor))(?:\.[ \t]*|[ \t]+)"
    r"(?P<v>[A-Z][\w'’-]*(?:[ \t]+[A-Z][\w'’-]*){0,2})"
)
_SIGNATURE = (
    rf"(?:^|\n)[ \t]*[-–—~][ \t]*(?P<v>{_NAMES})[ \t]*\s*\Z"
    r"|(?:^|\n|[.!?][ \t]+)[ \t]*(?i:warmly|best(?:[ \t]+wishes|[ \t]+regards)?|kind[ \t]+regards"
    r"|warm[ \t]+regards|regards|sincerely|thanks|thank[ \t]+you|cheers|take[ \t]+care"
    r"|with[ \t]+gratitude|respectfully|yours(?:[ \t]+truly)?)[ \t]*[,!.]?[ \t]*(?:\n[ \t]*)?"
    rf"(?:{_TITLE}\.?[ \t]+)?(?P<v2>{_NAMES})[ \t]*\.?\s*\Z"
)
_SIGNATURE_WINDOW = 160
_STRICT_DOMAIN = r"(?<![\w./@-])(?:[A-Za-z0-9][\w-]*\.)+(?:[a-z]{2,6}|(?i:" + _TLDS + r"))(?![\w-])"
_STRICT_WEB = r"(?i:\S*(?:www\.|https?:|ftp:)\S*)|\S*@[A-Za-z0-9_][^\s@]*"
_LEADING = "([{<'\"“‘"
_TRAILING = ".,;:!?'\"”’"
_CLOSERS = {")": "(", "]": "[", "}": "{"}


@dataclass(frozen=True, slots=True)
class _Rule:
    pattern: re.Pattern[str]
    category: Category
    recognizer: str
    score: float
    hint: str = ""  # a key of _hints(): the rule runs only when the text has it
    valid: Callable[[str], bool] | None = None
    trim: bool = False


class PatternRecognizers:
    """Regex recognizers for the identifier shapes NER does not cover.

    Args:
        config: the PII configuration (its crisis numbers are skipped by the strict digit run;
            every other crisis or public match is left to :class:`~mhds.steps.pii.keep.KeepList`).
        strict: widen the patterns for the residual pass over already-redacted text: any run of
            7+ digits, any ``@`` token, any www/http token, any word.tld token, and any
            capitalized word(s) after a title, whatever their case.
    """

    def __init__(self, config: PIIConfig, *, strict: bool = False) -> None:
        self.strict = strict
        self._crisis = frozenset(config.crisis_numbers)
        self._placeholder = re.compile(PLACEHOLDER)
        self._zip = re.compile(_ZIP)
        self._zip_context = re.compile(_ZIP_CONTEXT)
        self._signature = re.compile(_SIGNATURE)
        self._rules = _build_rules(strict, self._is_not_crisis)

    def find(self, text: str) -> list[Span]:
        """Candidate identifier spans in ``text`` (unsorted, possibly overlapping)."""
        hints = _hints(text)
        spans: list[Span] = []
        for rule in self._rules:
            if rule.hint and not hints[rule.hint]:
                continue
            for match in rule.pattern.finditer(text):
                start, end = _value_span(match)
                if rule.trim:
                    start, end = _trim(text, start, end)
                if start >= end or (rule.valid and not rule.valid(text[start:end])):
                    continue
                spans.append(Span(start, end, rule.category, rule.score, rule.recognizer))
        if hints["digit"]:
            spans.extend(self._find_zips(text))
        spans.extend(self._find_signature(text))
        if "[" in text:
            spans = self._drop_placeholders(text, spans)
        return spans

    def _find_zips(self, text: str) -> list[Span]:
        found = []
        for match in self._zip.finditer(text):
            before = text[max(0, match.start() - 24) : match.start()]
            if self._zip_context.search(before):
                found.append(Span(match.start(), match.end(), Category.LOCATION, 0.8, "zip_regex"))
        return found

    def _find_signature(self, text: str) -> list[Span]:
        match = self._signature.search(text, max(0, len(text) - _SIGNATURE_WINDOW))
        if match is None:
            return []
        start, end = _value_span(match)
        return [Span(start, end, Category.PERSON, 0.7, "signature_regex")]

    def _drop_placeholders(self, text: str, spans: list[Span]) -> list[Span]:
        holes = [m.span() for m in self._placeholder.finditer(text)]
        if not holes:
            return spans
        return [s for s in spans if not any(s.start < e and b < s.end for b, e in holes)]

    def _is_not_crisis(self, value: str) -> bool:
        digits = re.sub(r"\D", "", value)
        return digits not in self._crisis and not (
            digits.startswith("1") and digits[1:] in self._crisis
        )


def _build_rules(strict: bool, not_crisis: Callable[[str], bool]) -> list[_Rule]:
    def rule(
        source: str,
        category: Category,
        name: str,
        score: float,
        hint: str = "",
        valid: Callable[[str], bool] | None = None,
        trim: bool = False,
    ) -> _Rule:
        return _Rule(re.compile(source), category, name, score, hint, valid, trim)

    rules = [
        rule(_EMAIL, Category.EMAIL, "email_regex", 0.95, hint="at"),
        rule(_URL, Category.URL, "url_regex", 0.85, hint="dot", trim=True),
        rule(_IPV4, Category.IP_ADDRESS, "ipv4_regex", 0.9, hint="digit", valid=_is_ipv4),
        rule(_IPV6, Category.IP_ADDRESS, "ipv6_regex", 0.9, hint="colons", valid=_is_ipv6),
        rule(_PHONE, Category.PHONE, "phone_regex", 0.8, hint="digit", valid=_is_phone),
        rule(_SSN, Category.ID, "ssn_regex", 0.9, hint="digit"),
        rule(_ID_CONTEXT, Category.ID, "id_context_regex", 0.85, hint="digit", valid=_is_id),
        rule(_VIN, Category.ID, "vin_regex", 0.7, hint="digit"),
        rule(_CARD, Category.ID, "credit_card_regex", 0.9, hint="digit", valid=_is_luhn),
        rule(_AGE, Category.AGE, "age_regex", 0.85, hint="digit", valid=_is_old_age),
        rule(_AGE_WORDS, Category.AGE, "age_words_regex", 0.85, hint="age_words"),
        rule(_DATE_NUMERIC, Category.DATE, "date_numeric_regex", 0.85, hint="digit",
             valid=_is_day_date),
        rule(_DATE_NAMED, Category.DATE, "date_named_regex", 0.85, hint="digit"),
        rule(_DATE_EVENT, Category.DATE, "birth_year_regex", 0.8, hint="digit"),
        rule(_STREET, Category.LOCATION, "street_address_regex", 0.85, hint="digit"),
        rule(_PERSON_TITLED, Category.PERSON, "person_title_regex", 0.8),
        rule(_PERSON_INTRO, Category.PERSON, "person_intro_regex", 0.8),
    ]
    if strict:
        rules += [
            rule(_EMAIL_OBFUSCATED, Category.EMAIL, "email_obfuscated_regex", 0.6),
            rule(_STRICT_WEB, Category.URL, "web_token_strict", 0.6, trim=True),
            rule(_STRICT_DOMAIN, Category.URL, "domain_strict", 0.5, hint="dot"),
            rule(_DIGIT_RUN, Category.ID, "digit_run_strict", 0.5, hint="digit",
                 valid=not_crisis),
            rule(_STRICT_PERSON, Category.PERSON, "person_title_strict", 0.6),
        ]
    return rules


_DOT_LETTER = re.compile(r"\.[A-Za-z]")
_DIGIT = re.compile(r"\d")


def _hints(text: str) -> dict[str, bool]:
    lower = text.lower()
    return {
        "digit": _DIGIT.search(text) is not None,
        "at": "@" in text,
        "dot": _DOT_LETTER.search(text) is not None,
        "colons": text.count(":") >= 2,
        "age_words": "ninety" in lower or "hundred" in lower,
    }


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
        if last in _TRAILING:
            end -= 1
        elif last in _CLOSERS and text.count(last, start, end) > text.count(
            _CLOSERS[last], start, end
        ):
            end -= 1
        else:
            break
    return start, end


def _digits(value: str) -> str:
    return "".join(c for c in value if c.isdigit())


def _is_ipv4(value: str) -> bool:
    return all(int(part) <= 255 for part in value.split("."))


def _is_ipv6(value: str) -> bool:
    if sum(c not in ":." for c in value) < 4:
        return False
    try:
        ipaddress.IPv6Address(value)
    except ValueError:
        return False
    return True


def _is_phone(value: str) -> bool:
    return 7 <= sum(c.isalnum() for c in value) <= 15


def _is_id(value: str) -> bool:
    return 4 <= len(value) <= 30


def _is_luhn(value: str) -> bool:
    digits = [int(c) for c in _digits(value)]
    if not 13 <= len(digits) <= 19:
        return False
    total = 0
    for i, d in enumerate(reversed(digits)):
        total += (d * 2 - 9 if d > 4 else d * 2) if i % 2 else d
    return total % 10 == 0


def _is_old_age(value: str) -> bool:
    return 90 <= int(value) <= 125


def _is_day_date(value: str) -> bool:
    groups = re.findall(r"\d+", value)
    if len(groups[0]) == 4:  # ISO: year first
        month, day = int(groups[1]), int(groups[2])
        return 1 <= month <= 12 and 1 <= day <= 31
    a, b = int(groups[0]), int(groups[1])
    return (1 <= a <= 12 and 1 <= b <= 31) or (1 <= b <= 12 and 1 <= a <= 31)
