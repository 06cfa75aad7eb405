"""Credentials in conversation text: cloud keys, API tokens, JWTs, private key blocks,
passwords after a cue and connection strings that carry a password. Pure Python, no models.

The token shapes are detect-secrets' (Yelp, Apache-2.0, pinned): each plugin's ``denylist``
regexes, run with ``finditer`` here because its ``analyze_line`` returns values, not
offsets, plus its JWT validity check and its Shannon entropy. Its keyword plugin is written
for source code (a value runs to the end of the line), so only its cue words are used.
Added where it has nothing: private key blocks up to their END line, URI user-info with
RFC 3986 sub-delimiters or an empty user, ``Password=...;`` pairs, current Google, OpenAI,
Anthropic, Hugging Face, GitHub and Stripe test key shapes, Azure SAS signatures, the AWS
secret key shape (40 random base64 characters, also without a cue: detect-secrets wants it
quoted after "aws...key"), passwords after a spoken cue ("my pw is hunter2") and
random-looking tokens after a key or token cue. A span covers the secret only
("password: [CREDENTIAL_1]").
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from detect_secrets.plugins.artifactory import ArtifactoryDetector
from detect_secrets.plugins.aws import AWSKeyDetector
from detect_secrets.plugins.azure_storage_key import AzureStorageKeyDetector
from detect_secrets.plugins.base import RegexBasedDetector
from detect_secrets.plugins.basic_auth import BasicAuthDetector
from detect_secrets.plugins.cloudant import CloudantDetector
from detect_secrets.plugins.discord import DiscordBotTokenDetector
from detect_secrets.plugins.github_token import GitHubTokenDetector
from detect_secrets.plugins.gitlab_token import GitLabTokenDetector
from detect_secrets.plugins.high_entropy_strings import Base64HighEntropyString
from detect_secrets.plugins.ibm_cloud_iam import IbmCloudIamDetector
from detect_secrets.plugins.ibm_cos_hmac import IbmCosHmacDetector
from detect_secrets.plugins.jwt import JwtTokenDetector
from detect_secrets.plugins.keyword import DENYLIST as KEYWORD_DENYLIST
from detect_secrets.plugins.mailchimp import MailchimpDetector
from detect_secrets.plugins.npm import NpmDetector
from detect_secrets.plugins.openai import OpenAIDetector
from detect_secrets.plugins.private_key import PrivateKeyDetector
from detect_secrets.plugins.pypi_token import PypiTokenDetector
from detect_secrets.plugins.sendgrid import SendGridDetector
from detect_secrets.plugins.slack import SlackDetector
from detect_secrets.plugins.softlayer import SoftlayerDetector
from detect_secrets.plugins.square_oauth import SquareOAuthDetector
from detect_secrets.plugins.stripe import StripeDetector
from detect_secrets.plugins.telegram_token import TelegramBotTokenDetector
from detect_secrets.plugins.twilio import TwilioKeyDetector

from mhds.steps.pii.spans import Category, Span

#: How a match gives the secret: the whole token, its first group, the user-info of a URI,
#: the value after ``=``, or a JWT (signature widened, validity checked).
ValueRule = Literal["token", "group", "userinfo", "assignment", "jwt"]

#: detect-secrets plugins whose denylist regexes run here (IPPublicDetector is no secret, the
#: keyword and entropy plugins are not regex shapes; they are used below for cues and entropy).
PLUGINS: tuple[tuple[type[RegexBasedDetector], ValueRule], ...] = (
    (AWSKeyDetector, "group"),  # key ids (no group: the token), quoted secret after "aws...key"
    (AzureStorageKeyDetector, "assignment"),
    (BasicAuthDetector, "userinfo"),
    (JwtTokenDetector, "jwt"),
    (GitHubTokenDetector, "token"),
    (GitLabTokenDetector, "token"),
    (SlackDetector, "token"),
    (StripeDetector, "token"),
    (OpenAIDetector, "token"),
    (SendGridDetector, "token"),
    (TwilioKeyDetector, "token"),
    (MailchimpDetector, "token"),
    (PypiTokenDetector, "token"),
    (NpmDetector, "group"),
    (SquareOAuthDetector, "token"),
    (DiscordBotTokenDetector, "token"),
    (TelegramBotTokenDetector, "token"),
    (ArtifactoryDetector, "token"),
    (IbmCloudIamDetector, "group"),
    (IbmCosHmacDetector, "group"),
    (SoftlayerDetector, "group"),
    (CloudantDetector, "group"),
)
#: Shapes detect-secrets 1.5.0 lacks (or only knows in an older form).
EXTRA_TOKENS: tuple[tuple[str, ValueRule], ...] = (
    (r"AIza[0-9A-Za-z_-]{35}", "token"),  # Google / GCP API key
    (r"ya29\.[0-9A-Za-z_-]{20,}", "token"),  # Google OAuth access token
    (r"github_pat_[0-9A-Za-z_]{22,}", "token"),  # GitHub fine-grained token
    (r"sk-(?:proj|svcacct|admin|ant)-[0-9A-Za-z_-]{20,}", "token"),  # OpenAI, Anthropic
    (r"sk-[0-9A-Za-z]{48}(?![0-9A-Za-z])", "token"),  # OpenAI, before the T3BlbkFJ marker
    (r"[rs]k_test_[0-9A-Za-z]{24,}", "token"),  # Stripe test keys (the plugin: live only)
    (r"hf_[0-9A-Za-z]{30,}", "token"),  # Hugging Face
    (r"[?&;]sig=[0-9A-Za-z%+/=]{16,}", "assignment"),  # Azure shared access signature
    # URI user-info: sub-delimiters (!$&'()*+,;=) are legal in it (RFC 3986), an empty user too.
    (r"://[^\s:/?#\[\]@]*:[^\s/?#\[\]@]+@", "userinfo"),
)
#: Cue words before a password: detect-secrets' keyword denylist entries for passwords, and
#: the short forms of speech.
_PASSWORD_WORDS = tuple(w for w in KEYWORD_DENYLIST if "pass" in w or "pwd" in w or "contras" in w)
_PASSWORD_CUES = tuple(w.replace("_?", r"[ _-]?") for w in _PASSWORD_WORDS) + (
    r"pw",
    r"pass[ _-]?code",
    r"pass[ _-]?phrase",
)
#: A cheap test of the lower-cased text that lets it into the password search at all.
_PASSWORD_GATE = re.compile(
    r"p(?:ass(?:w|[ _-]?(?:code|phrase))|wd?(?![a-z])|in(?<![a-z]pin)(?![a-z]))"
    r"|(?:db|database|key)[ _-]?pass|contras"
)
_PASSWORD = re.compile(
    r"(?i:(?<![^\W_])(?:" + "|".join(_PASSWORD_CUES) + r")(?![^\W_])"
    r"(?:[ \t]+(?:for|to|on|at|of)(?:[ \t]+[^\s:=]+){1,3}?)?"
    r"[ \t]*(?P<sep>:=|=>|->|[:=]|(?:is|was|['’]s)(?![^\W_])(?P<colon>[ \t]*:)?)[ \t]*"
    r"(?P<q>[\"'“‘`])?(?P<v>[^\s\"'“”‘’`;,]+))"
)
_PIN = re.compile(
    r"(?i:pin(?<![^\W_]pin)(?:[ \t]+(?:number|code|no\.?|\#))?[ \t]*(?:is|was|[:=\#])?[ \t]*"
    r"(?P<v>[0-9]{4,8})(?![\w-]))"
)
#: Values after "password is" that are words about it, not the password.
_NOT_PASSWORDS = frozenset(
    {
        "none", "n/a", "na", "null", "nil", "empty", "blank", "same", "different", "changed",
        "reset", "forgotten", "forgot", "unknown", "required", "optional", "hidden", "redacted",
        "secret", "private", "the", "my", "a", "an", "it", "is", "i", "you", "your", "that",
        "this", "not", "still", "just", "also",
    }
)  # fmt: skip
#: Cue words before an API key, token or secret key: detect-secrets' keyword denylist entries
#: that are not passwords, and the names of cloud and API credentials.
_KEY_CUES = tuple(w.replace("_?", r"[ _-]?") for w in KEYWORD_DENYLIST if w not in _PASSWORD_WORDS)
_KEY_CUE = re.compile(
    r"(?i:(?:" + "|".join(_KEY_CUES) + r"|key|token|credentials?|bearer|authori[sz]ation"
    r"|access[ _-]?key(?:[ _-]?id)?|signature))[^\n]{0,48}\Z"
)
_CUE_REACH = 64
#: PKCS#8 encrypted keys, a header detect-secrets' private key plugin lacks (written as a
#: regex, not the header itself, which secret scanners of this repository would flag).
_ENCRYPTED_KEY_HEADER = re.compile(r"BEGIN ENCRYPTED PRIVATE[ ]KEY")
#: From after a header: to the END line, else over the base64 lines that follow it (a key
#: pasted without its end), lines broken by newlines or by JSON's ``\n``.
_KEY_BLOCK_REST = re.compile(
    r"[A-Z ]*-*(?:[\s\S]{0,16384}?-----END[A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-*"
    r"|(?:(?:\s|\\n)+[A-Za-z0-9+/=:,-]{16,})*)"
)
_PUTTY_REST = re.compile(r"[\s\S]{0,16384}?Private-MAC:[ \t]*[0-9a-f]+|[^\n]*")
_CANDIDATE = re.compile(r"\S{12,}")
#: What makes a long token worth a look: a digit, a symbol keys use, or an inner capital
#: (plain words, even glued by punctuation as in "relationship.If", have none).
_KEYISH = re.compile(r"[0-9_=+/:@\\]|[a-z][A-Z]")
_LETTER = re.compile(r"[A-Za-z]")
_VALUE_TOKEN = re.compile(r"(?<![\w+/.~-])[\w+/.~-]{16,}={0,2}")
_AWS_SECRET = re.compile(r"(?<![A-Za-z0-9+/])[A-Za-z0-9+/]{40}(?![A-Za-z0-9+/=])")
#: Random 40-character base64 strings score 4.27 to 5.2 (20,000 draws); words far less.
_AWS_SECRET_ENTROPY = 4.2
_SPACE = re.compile(r"\s")
_ASSIGNMENTS = frozenset({":", "=", ":=", "=>", "->"})
_PART_SEPARATORS = re.compile(r"[-_./~+=]")
_TOKEN_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")
_JWT_CHARS = _TOKEN_CHARS | frozenset(".+/=")
_TRAILING = ".,;:!?)]}>\"'”’"
_MIN_ENTROPY = 3.0
_SCORE = 0.9


@dataclass(frozen=True, slots=True)
class _Shape:
    pattern: re.Pattern[str]
    rule: ValueRule
    recognizer: str


class CredentialRecognizer:
    """Finds credentials; ``find`` returns spans of category ``CREDENTIAL``.

    Most texts cost a few scans: the token shapes, the key cues and the AWS secret rule run
    only around tokens of 12+ characters that are not plain words (a letter and a digit, an
    inner capital, a backslash or one of ``_=+/:@``), the password cues only in texts that
    pass a cheap test, and the private key rules only in texts that say "PRIVATE KEY" or
    "PuTTY".
    """

    def __init__(self) -> None:
        self._shapes = [
            _Shape(pattern, rule, f"detect_secrets:{plugin.__name__}")
            for plugin, rule in PLUGINS
            for pattern in plugin().denylist
        ]
        self._shapes += [
            _Shape(re.compile(s), rule, "credential_shape") for s, rule in EXTRA_TOKENS
        ]
        self._private_headers = tuple(PrivateKeyDetector().denylist)
        self._entropy = Base64HighEntropyString().calculate_shannon_entropy

    def find(self, text: str) -> list[Span]:
        """Credential spans in ``text``, unsorted, possibly overlapping."""
        spans: list[Span] = []
        windows = _windows(text)
        if windows:
            spans.extend(self._find_shapes(text, windows))
            spans.extend(self._find_cued_tokens(text, windows))
        if _PASSWORD_GATE.search(text.lower()):
            spans.extend(self._find_passwords(text))
        if "PRIVATE KEY" in text or "PuTTY" in text:
            spans.extend(self._find_key_blocks(text))
        return spans

    def _find_shapes(self, text: str, windows: list[tuple[int, int]]) -> Iterator[Span]:
        for shape in self._shapes:
            for lo, hi in windows:
                for match in shape.pattern.finditer(text, lo, hi):
                    span = self._value(text, match, shape)
                    if span is not None:
                        yield span
        for lo, hi in windows:
            for match in _AWS_SECRET.finditer(text, lo, hi):
                if self._is_aws_secret(match[0]):
                    yield Span(*match.span(), Category.CREDENTIAL, _SCORE, "aws_secret_shape")

    def _value(self, text: str, match: re.Match[str], shape: _Shape) -> Span | None:
        start, end = match.span()
        if shape.rule == "token" or (shape.rule == "group" and not match.re.groups):
            start, end = _widen(text, start, end)
            end = start + len(text[start:end].rstrip(_TRAILING))
        elif shape.rule == "group":
            if match.start(1) < 0:
                return None
            start, end = match.span(1)
            space = _SPACE.search(text, start, end)  # npm's group runs to the end of the line
            end = space.start() if space else end
        elif shape.rule == "userinfo":
            start, end = text.index("://", start, end) + 3, end - 1
        elif shape.rule == "assignment":
            start = text.index("=", start, end) + 1
        else:  # jwt: the denylist regex stops before the signature
            while end < len(text) and text[end] in _JWT_CHARS:
                end += 1
            end = start + len(text[start:end].rstrip("."))
            if not JwtTokenDetector.is_formally_valid(text[start:end]):
                return None
        if end <= start:
            return None
        return Span(start, end, Category.CREDENTIAL, _SCORE, shape.recognizer)

    def _find_cued_tokens(self, text: str, windows: list[tuple[int, int]]) -> Iterator[Span]:
        """Random-looking tokens (16+ characters) after a key, token or secret cue."""
        for lo, hi in windows:
            for match in _VALUE_TOKEN.finditer(text, lo, hi):
                value = match[0].rstrip(".")
                if value.startswith(("//", "www.")) or not self._looks_random(value):
                    continue  # a URL's path is the URL category's (public ones are kept)
                line = text.rfind("\n", 0, match.start()) + 1
                cue_from = max(line, match.start() - _CUE_REACH)
                if _KEY_CUE.search(text, cue_from, match.start()):
                    end = match.start() + len(value)
                    yield Span(match.start(), end, Category.CREDENTIAL, _SCORE, "key_cue_entropy")

    def _find_passwords(self, text: str) -> Iterator[Span]:
        for match in _PASSWORD.finditer(text):
            quoted = match["q"] is not None
            value = match["v"] if quoted else match["v"].rstrip(_TRAILING)
            explicit = quoted or match["colon"] is not None or match["sep"] in _ASSIGNMENTS
            if _is_password(value, explicit=explicit):
                start = match.start("v")
                yield Span(start, start + len(value), Category.CREDENTIAL, _SCORE, "password_cue")
        for match in _PIN.finditer(text):
            yield Span(*match.span("v"), Category.CREDENTIAL, _SCORE, "password_cue")

    def _find_key_blocks(self, text: str) -> Iterator[Span]:
        """From a private key header (with its leading dashes) to the END line."""
        for header in (*self._private_headers, _ENCRYPTED_KEY_HEADER):
            for match in header.finditer(text):
                start = match.start()
                while start > 0 and text[start - 1] == "-":
                    start -= 1
                putty = match[0].startswith("PuTTY")
                rest = (_PUTTY_REST if putty else _KEY_BLOCK_REST).match(text, match.end())
                end = rest.end() if rest else match.end()
                yield Span(start, end, Category.CREDENTIAL, _SCORE, "private_key_block")

    def _is_aws_secret(self, value: str) -> bool:
        """40 base64 characters with both cases and a digit, as random as a key: a git hash
        (hex, lower case) or a path is not one."""
        return (
            any(c.isupper() for c in value)
            and any(c.islower() for c in value)
            and any(c.isdigit() for c in value)
            and self._entropy(value) >= _AWS_SECRET_ENTROPY
        )

    def _looks_random(self, value: str) -> bool:
        """Long, not made of words and numbers ("COVID-19-related"), and not repetitive:
        one part of 8+ characters mixes letters and digits."""
        if len(value) < 16 or self._entropy(value) < _MIN_ENTROPY:
            return False
        return any(_is_random_part(part) for part in _PART_SEPARATORS.split(value))


def _windows(text: str) -> list[tuple[int, int]]:
    """Where a token shape could be: around each 12+ character token that is not plain
    words, with room before it for a cue (merged when they touch)."""
    out: list[tuple[int, int]] = []
    for match in _CANDIDATE.finditer(text):
        token = match[0]
        if not _KEYISH.search(token) or not _LETTER.search(token):
            continue  # every shape has a letter; phone numbers and dates are not keys
        lo, hi = max(0, match.start() - _CUE_REACH), min(len(text), match.end() + 1)
        if out and lo <= out[-1][1]:
            out[-1] = (out[-1][0], hi)
        else:
            out.append((lo, hi))
    return out


def _widen(text: str, start: int, end: int) -> tuple[int, int]:
    """Trim what a shape matched around its token (spaces, quotes), then cover the whole
    token, so a longer key than the shape expects is not cut."""
    while start < end and text[start] not in _TOKEN_CHARS:
        start += 1
    while end > start and text[end - 1] not in _TOKEN_CHARS:
        end -= 1
    while start > 0 and text[start - 1] in _TOKEN_CHARS:
        start -= 1
    while end < len(text) and text[end] in _TOKEN_CHARS:
        end += 1
    return start, end


def _is_random_part(part: str) -> bool:
    """8+ characters mixing letters and digits ("MarkMorrisLCSW" or "HonestyTrustRespect",
    words glued together, are not random; a key without a digit is rare)."""
    return len(part) >= 8 and any(c.isdigit() for c in part) and any(c.isalpha() for c in part)


def _is_password(value: str, *, explicit: bool) -> bool:
    """A value after a password cue: after ``:``/``=`` or in quotes any word but a few words
    about passwords; after "is" only a value with a digit, a symbol or an inner capital."""
    if len(value) < 3 or value.lower() in _NOT_PASSWORDS:
        return False
    if explicit:
        return True
    return len(value) >= 4 and (
        any(not c.isalpha() for c in value) or any(c.isupper() for c in value[1:])
    )
