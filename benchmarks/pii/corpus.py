"""Seeded generator of therapy-style messages with planted identifiers and exact gold spans.

Each document is a client message or a therapist reply of 2 to 6 sentences. Filler sentences
carry the clinical context that is NOT identifying (doses, screening scores, modalities,
weekdays, bare years, durations, states, ages up to 89, public crisis lines and sites); about
two thirds of the documents also get 1 to 3 sentences with planted identifiers. A gold span
covers the identifying value only: the name after "Dr.", the number of "I'm 92 years old",
the value after "MRN". Every gold span also records the form it was planted in
(``phone:paren``, ``date:iso`` ...) so misses can be traced to a pattern.

Document ``i`` depends only on (seed, i): a longer corpus extends a shorter one. The
sentence templates are in ``templates.py``.
"""

from __future__ import annotations

import random
import string
from collections.abc import Callable
from dataclasses import dataclass

from templates import CLIENT_FILLERS, PII_TEMPLATES, THERAPIST_FILLERS

from mhds.steps.pii.spans import Category


def _words(listing: str) -> tuple[str, ...]:
    """The space-separated words of ``listing`` (keeps long vocabularies compact)."""
    return tuple(listing.split())


PII_DOC_SHARE = 0.66
PII_SENTENCES = (1, 1, 1, 2, 2, 3)

FIRST_NAMES = _words(
    "Maria Jose Priya Arjun Wei Mei Hiroshi Yuki Oluwaseun Chidi Amara Kwame Fatima Omar Aisha "
    "Mohammed Sven Ingrid Dmitri Olga Katarzyna Tomasz Siobhan Liam Emily Jessica Michael David "
    "Sarah Ashley Tyler Brianna Jamal Keisha DeShawn Thanh Minh Ji-woo Seo-yeon Ananya Carlos "
    "Lucia Mateo Valentina Giulia Luca Noah Emma Olivia Ethan Chloe Hannah Zainab Yusuf Leila "
    "Tariq Nadia Anastasia Ivan Bogdan Mehmet Elif Kofi Abena Thabo Naledi Camila Diego Sofia "
    "Ahmed Samira Ravi Deepika Kenji Aiko Xiulan Jun Pedro Joon Hye-jin Marcus Rebecca Connor"
)
LAST_NAMES = _words(
    "Garcia Rodriguez Hernandez Nguyen Tran Kim Park Lee Chen Wang Zhang Patel Sharma Gupta Singh "
    "Okafor Adeyemi Mensah Osei Abdullah Haddad Khan Hussain Johansson Larsen Kowalski Nowak "
    "Ivanova Petrov O'Brien Murphy McAllister Smith Johnson Williams Brown Miller Davis Wilson "
    "Anderson Thompson Washington Jackson Robinson Yamamoto Tanaka Sato Rossi Bianchi Schmidt "
    "Dubois Lefebvre Silva Santos Oliveira Cohen Friedman Novak Horvat Yilmaz Demir Dlamini "
    "Nkosi Fitzgerald Delacroix Al-Sayed Ben-David Kaur Mwangi Castillo Moreau Lindqvist"
)
CITIES = (
    ("Columbus", "OH", "Ohio"), ("Dayton", "OH", "Ohio"), ("Austin", "TX", "Texas"),
    ("Tucson", "AZ", "Arizona"), ("Fresno", "CA", "California"), ("Spokane", "WA", "Washington"),
    ("Boise", "ID", "Idaho"), ("Chattanooga", "TN", "Tennessee"), ("Savannah", "GA", "Georgia"),
    ("Asheville", "NC", "North Carolina"), ("Duluth", "MN", "Minnesota"),
    ("Milwaukee", "WI", "Wisconsin"), ("Omaha", "NE", "Nebraska"), ("Tulsa", "OK", "Oklahoma"),
    ("Pittsburgh", "PA", "Pennsylvania"), ("Buffalo", "NY", "New York"),
    ("Worcester", "MA", "Massachusetts"), ("Hartford", "CT", "Connecticut"),
    ("Providence", "RI", "Rhode Island"), ("Burlington", "VT", "Vermont"),
    ("Albuquerque", "NM", "New Mexico"), ("Des Moines", "IA", "Iowa"),
    ("Baton Rouge", "LA", "Louisiana"), ("Portland", "OR", "Oregon"),
    ("Springfield", "IL", "Illinois"), ("Lexington", "KY", "Kentucky"),
)  # fmt: skip
FOREIGN_CITIES = _words(
    "Manchester Leeds Glasgow Toronto Calgary Ottawa Guadalajara Lagos Nairobi Mumbai Pune "
    "Manila Seoul Osaka Krakow Lyon Bologna Accra Karachi Lahore"
)
FACILITY_STEMS = (
    "St. Mary's", "Mercy", "Riverside", "Good Samaritan", "Mount Sinai", "Lakeview",
    "Cedar Ridge", "Sunrise", "St. Vincent's", "Pine Grove", "Northside", "Baptist Memorial",
)  # fmt: skip
FACILITY_KINDS = (
    "Hospital", "Medical Center", "Behavioral Health Center", "Psychiatric Hospital", "Clinic",
    "Recovery Center",
)  # fmt: skip
SCHOOL_STEMS = ("Lincoln", "Roosevelt", "Jefferson", "Westfield", "Oak Park", "Kennedy")
SCHOOL_KINDS = ("High School", "Middle School", "Elementary", "Academy")
STREET_NAMES = _words(
    "Oak Maple Cedar Elm Pine Lincoln Park Lake Hill Sunset Willow Chestnut Highland Walnut "
    "Cherry Meadow Franklin Jackson Spring Ridge"
)
STREET_KINDS = ("Street", "St.", "Avenue", "Ave", "Road", "Rd", "Drive", "Lane", "Court", "Way")
AREA_CODES = _words(
    "614 937 216 512 520 503 412 716 508 860 401 802 505 515 225 217 312 773 206 415"
)
MONTHS = _words(
    "January February March April May June July August September October November December"
)
EMAIL_HOSTS = ("gmail.com", "yahoo.com", "outlook.com", "hotmail.com", "icloud.com", "proton.me")
PRACTICE_WORDS = _words(
    "mindfulpath calmharbor brightside clearwater newleaf stillwater northstar openroad "
    "evergreen truenorth bluesky kindmind"
)

FEELINGS = (
    "anxious", "numb", "exhausted", "on edge", "really low", "irritable", "hopeless",
    "a bit better", "overwhelmed", "lonely", "flat", "restless",
)  # fmt: skip
DURATIONS = (
    "for three weeks", "for a couple of months", "since the holidays", "for about ten days",
    "all week", "for two years", "lately", "since last spring", "for the past month",
)  # fmt: skip
RELATIONS = (
    "my sister", "my mom", "my dad", "my husband", "my wife", "my boyfriend", "my girlfriend",
    "my boss", "my roommate", "my son", "my daughter", "my best friend", "my partner",
)  # fmt: skip
MEDS = ("sertraline", "Zoloft", "Lexapro", "fluoxetine", "bupropion", "Wellbutrin", "quetiapine",
        "lamotrigine", "trazodone", "buspirone", "lithium", "Abilify")  # fmt: skip
DOSES = ("25mg", "50mg", "100mg", "150 mg", "10mg", "20 mg", "300mg", "0.5mg")
INSTRUMENTS = ("PHQ-9", "GAD-7", "PCL-5", "BDI-II", "AUDIT-C")
MODALITIES = ("CBT", "EMDR", "DBT", "ACT", "exposure therapy", "mindfulness", "IFS")
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
STATES = ("Ohio", "Texas", "Michigan", "Florida", "Oregon", "Georgia", "Arizona", "Virginia")
CRISIS = (
    "call 988", "call or text 988", "call 1-800-273-8255", "text HOME to 741741",
    "call the 988 Suicide & Crisis Lifeline", "dial 911", "call 1-800-273-TALK",
)  # fmt: skip
PUBLIC_SITES = ("988lifeline.org", "nami.org", "www.samhsa.gov", "https://www.crisistextline.org")


@dataclass(frozen=True, slots=True)
class GoldSpan:
    """One planted identifier: ``text[start:end]`` is of ``category``, planted as ``form``."""

    start: int
    end: int
    category: Category
    form: str


@dataclass(frozen=True, slots=True)
class Document:
    """One generated message and its gold spans."""

    text: str
    role: str
    spans: tuple[GoldSpan, ...]


Part = tuple[str, Category | None, str]  # text, category (None: unlabelled), form
Slot = Callable[[random.Random], list[Part]]


def generate_corpus(n_docs: int, seed: int = 0) -> list[Document]:
    """``n_docs`` documents; document ``i`` depends only on ``(seed, i)``."""
    return [_document(random.Random(seed * 1_000_003 + i)) for i in range(n_docs)]


def _document(rng: random.Random) -> Document:
    role = "client" if rng.random() < 0.6 else "therapist"
    fillers = CLIENT_FILLERS if role == "client" else THERAPIST_FILLERS
    sentences = [rng.choice(fillers) for _ in range(rng.randint(2, 6))]
    if rng.random() < PII_DOC_SHARE:
        templates = PII_TEMPLATES[role]
        for _ in range(rng.choice(PII_SENTENCES)):
            category = rng.choice(list(templates))
            sentences.insert(rng.randint(0, len(sentences)), rng.choice(templates[category]))
        # greetings open a message, sign-offs close it
        sentences.sort(key=lambda s: 0 if s.startswith("^") else 2 if s.startswith("\n") else 1)
    parts: list[Part] = []
    for sentence in sentences:
        if parts and not sentence.startswith("\n"):
            parts.append((" ", None, ""))
        parts.extend(_capitalized(_render(sentence.lstrip("^"), rng)))
    text, spans = _assemble(parts)
    return Document(text, role, spans)


def _render(template: str, rng: random.Random) -> list[Part]:
    parts: list[Part] = []
    for literal, field, _, _ in string.Formatter().parse(template):
        if literal:
            parts.append((literal, None, ""))
        if field is not None:
            parts.extend(SLOTS[field](rng))
    return parts


def _capitalized(parts: list[Part]) -> list[Part]:
    """The sentence with its first letter upper-cased ("my sister keeps ..." at the start)."""
    head, category, form = parts[0]
    return [(head[:1].upper() + head[1:], category, form), *parts[1:]]


def _assemble(parts: list[Part]) -> tuple[str, tuple[GoldSpan, ...]]:
    chunks: list[str] = []
    spans: list[GoldSpan] = []
    offset = 0
    for text, category, form in parts:
        if category is not None:
            spans.append(GoldSpan(offset, offset + len(text), category, form))
        chunks.append(text)
        offset += len(text)
    return "".join(chunks), tuple(spans)


# --- identifier slots -------------------------------------------------------------------------


def _tag(category: Category, form: str, value: str) -> list[Part]:
    return [(value, category, f"{category.value.lower()}:{form}")]


def _first(rng: random.Random) -> str:
    return rng.choice(FIRST_NAMES)


def _last(rng: random.Random) -> str:
    return rng.choice(LAST_NAMES)


def _titled(rng: random.Random, *, full: bool) -> list[Part]:
    title = rng.choice(("Dr. ", "Dr. ", "Dr. ", "Dr ", "Doctor ", "Ms. ", "Mr. ", "Mrs. "))
    name = f"{_first(rng)} {_last(rng)}" if full else _last(rng)
    form = ("titled_full" if full else "titled_last") + ("_dr" if "D" in title else "")
    return [(title, None, "")] + _tag(Category.PERSON, form, name)


def _phone(rng: random.Random) -> list[Part]:
    area = rng.choice(AREA_CODES)
    exchange = "555" if rng.random() < 0.3 else str(rng.randint(201, 989))
    line = f"01{rng.randint(0, 99):02d}" if exchange == "555" else f"{rng.randint(0, 9999):04d}"
    forms = {
        "paren": f"({area}) {exchange}-{line}",
        "dashes": f"{area}-{exchange}-{line}",
        "dots": f"{area}.{exchange}.{line}",
        "spaces": f"{area} {exchange} {line}",
        "bare10": f"{area}{exchange}{line}",
        "plus1_spaces": f"+1 {area} {exchange} {line}",
        "plus1_dashes": f"+1-{area}-{exchange}-{line}",
        "one_dashes": f"1-{area}-{exchange}-{line}",
        "local7": f"{exchange}-{line}",
        "uk_mobile": f"+44 7700 900{rng.randint(0, 999):03d}",
    }
    form = rng.choice(list(forms))
    return _tag(Category.PHONE, form, forms[form])


def _day_date(rng: random.Random, *, birth: bool = False) -> list[Part]:
    year = rng.randint(1931, 2004) if birth else rng.randint(2019, 2025)
    month, day = rng.randint(1, 12), rng.randint(1, 28)
    name = MONTHS[month - 1]
    ordinal = {1: "st", 2: "nd", 3: "rd", 21: "st", 22: "nd", 23: "rd"}.get(day, "th")
    forms = {
        "month_day": f"{name} {day}",
        "month_day_ord": f"{name} {day}{ordinal}",
        "month_day_year": f"{name} {day}, {year}",
        "abbr_month_day": f"{name[:3]}. {day}",
        "day_month_year": f"{day} {name} {year}",
        "the_nth_of_month": f"the {day}{ordinal} of {name}",
        "us_slash": f"{month}/{day}/{year}",
        "us_slash_padded": f"{month:02d}/{day:02d}/{year}",
        "us_slash_short": f"{month}/{day}/{year % 100:02d}",
        "iso": f"{year}-{month:02d}-{day:02d}",
        "eu_dots": f"{day:02d}.{month:02d}.{year}",
    }
    if birth:
        forms.pop("month_day")
        forms.pop("abbr_month_day")
    form = rng.choice(list(forms))
    return _tag(Category.DATE, ("birth_" if birth else "") + form, forms[form])


def _email(rng: random.Random) -> list[Part]:
    first, last = _first(rng).lower().replace("-", ""), _last(rng).lower().replace("'", "")
    last = last.replace("-", "")
    practice = rng.choice(PRACTICE_WORDS)
    forms = {
        "first_dot_last": f"{first}.{last}@{rng.choice(EMAIL_HOSTS)}",
        "first_digits": f"{first}{rng.randint(1, 99)}@{rng.choice(EMAIL_HOSTS)}",
        "initial_last": f"{first[0]}{last}@{rng.choice(EMAIL_HOSTS)}",
        "underscore": f"{first}_{last}@{rng.choice(EMAIL_HOSTS)}",
        "practice": f"{first}@{practice}counseling.com",
        "dr_practice": f"dr.{last}@{practice}therapy.org",
    }
    form = rng.choice(list(forms))
    return _tag(Category.EMAIL, form, forms[form])


def _url(rng: random.Random) -> list[Part]:
    first, last = _first(rng).lower().replace("-", ""), _last(rng).lower().replace("'", "")
    last = last.replace("-", "")
    practice = rng.choice(PRACTICE_WORDS)
    forms = {
        "www_name_therapy": f"www.{first}{last}therapy.com",
        "https_practice_path": f"https://www.{practice}counseling.com/book",
        "http_practice": f"http://{practice}wellness.org",
        "bare_name_lcsw": f"{first}{last}lcsw.com",
        "https_calendly": f"https://calendly.com/{first}-{last}",
        "instagram": f"instagram.com/{first}.{last}",
        "www_facebook": f"www.facebook.com/{first}.{last}{rng.randint(1, 99)}",
        "https_blog": f"https://{first}{last}.wordpress.com",
    }
    form = rng.choice(list(forms))
    return _tag(Category.URL, form, forms[form])


def _ip(rng: random.Random) -> list[Part]:
    r = rng.randint
    forms = {
        "public_v4": f"{r(23, 99)}.{r(0, 255)}.{r(0, 255)}.{r(1, 254)}",
        "home_v4": f"192.168.{r(0, 2)}.{r(2, 254)}",
        "ten_v4": f"10.{r(0, 255)}.{r(0, 255)}.{r(2, 254)}",
        "v6": f"2001:db8:{r(0, 65535):x}::{r(0, 65535):x}:{r(0, 65535):x}",
    }
    form = rng.choice(("public_v4", "public_v4", "home_v4", "ten_v4", "v6"))
    return _tag(Category.IP_ADDRESS, form, forms[form])


def _ssn(rng: random.Random) -> str:
    area = rng.choice([a for a in range(1, 900) if a != 666])
    sep = "-" if rng.random() < 0.8 else " "
    return f"{area:03d}{sep}{rng.randint(1, 99):02d}{sep}{rng.randint(1, 9999):04d}"


def _alnum(rng: random.Random, letters: int, digits: int) -> str:
    head = "".join(rng.choice("ABCDEFGHJKLMNPRSTUVWXYZ") for _ in range(letters))
    return head + "".join(rng.choice("0123456789") for _ in range(digits))


def _id_value(rng: random.Random, kind: str) -> str:
    digits = "0123456789"
    values = {
        "ssn": lambda: _ssn(rng),
        "mrn": lambda: "".join(rng.choice(digits) for _ in range(rng.choice((7, 8)))),
        "member": lambda: _alnum(rng, 3, 7),
        "policy": lambda: f"{_alnum(rng, 2, 5)}-{rng.randint(10, 99)}",
        "license": lambda: _alnum(rng, 1, 8 if rng.random() < 0.5 else 12),
        "passport": lambda: "".join(rng.choice(digits) for _ in range(9)),
        "medicaid": lambda: _alnum(rng, 2, 8),
    }
    return values[kind]()


def _id_slot(kind: str) -> Slot:
    return lambda rng: _tag(Category.ID, kind, _id_value(rng, kind))


def _age(rng: random.Random) -> list[Part]:
    return _tag(Category.AGE, "number", str(rng.randint(90, 104)))


def _age_words(rng: random.Random) -> list[Part]:
    unit = rng.choice(("", "-one", "-two", "-three", "-four", "-five", "-six", "-seven"))
    return _tag(Category.AGE, "words", f"ninety{unit}")


def _city_state(rng: random.Random) -> list[Part]:
    city, code, name = rng.choice(CITIES)
    state = code if rng.random() < 0.5 else name
    return _tag(Category.LOCATION, "city_with_state", city) + [(f", {state}", None, "")]


def _address(rng: random.Random) -> list[Part]:
    city, code, _ = rng.choice(CITIES)
    street = _street_value(rng)
    zip_code = f"{rng.randint(10000, 99999)}"
    return (
        _tag(Category.LOCATION, "street_in_address", street)
        + [(", ", None, "")]
        + _tag(Category.LOCATION, "city_in_address", city)
        + [(f", {code} ", None, "")]
        + _tag(Category.LOCATION, "zip_in_address", zip_code)
    )


def _street_value(rng: random.Random) -> str:
    street = f"{rng.randint(2, 9899)} {rng.choice(STREET_NAMES)} {rng.choice(STREET_KINDS)}"
    if rng.random() < 0.25:
        street += f", Apt {rng.randint(1, 12)}{rng.choice('ABCD')}"
    return street


# --- negative (non-identifying) slots ---------------------------------------------------------


def _pick(options: tuple[str, ...]) -> Slot:
    return lambda rng: [(rng.choice(options), None, "")]


def _plain(make: Callable[[random.Random], str]) -> Slot:
    return lambda rng: [(make(rng), None, "")]


SLOTS: dict[str, Slot] = {
    "name": lambda rng: _tag(Category.PERSON, "first", _first(rng)),
    "full_name": lambda rng: _tag(Category.PERSON, "full", f"{_first(rng)} {_last(rng)}"),
    "titled_full": lambda rng: _titled(rng, full=True),
    "titled_last": lambda rng: _titled(rng, full=False),
    "city": lambda rng: _tag(Category.LOCATION, "city", rng.choice(CITIES)[0]),
    "foreign_city": lambda rng: _tag(Category.LOCATION, "foreign_city", rng.choice(FOREIGN_CITIES)),
    "city_state": _city_state,
    "facility": lambda rng: _tag(
        Category.LOCATION,
        "facility",
        f"{rng.choice(FACILITY_STEMS)} {rng.choice(FACILITY_KINDS)}",
    ),  # fmt: skip
    "school": lambda rng: _tag(
        Category.LOCATION, "school", f"{rng.choice(SCHOOL_STEMS)} {rng.choice(SCHOOL_KINDS)}"
    ),
    "street": lambda rng: _tag(Category.LOCATION, "street", _street_value(rng)),
    "address": _address,
    "zip": lambda rng: _tag(Category.LOCATION, "zip_code", f"{rng.randint(10000, 99999)}"),
    "date": _day_date,
    "birth": lambda rng: _day_date(rng, birth=True),
    "phone": _phone,
    "email": _email,
    "url": _url,
    "ip": _ip,
    "ssn": _id_slot("ssn"),
    "mrn": _id_slot("mrn"),
    "member_id": _id_slot("member"),
    "policy": _id_slot("policy"),
    "license": _id_slot("license"),
    "passport": _id_slot("passport"),
    "medicaid": _id_slot("medicaid"),
    "age": _age,
    "age_words": _age_words,
    # negatives
    "feeling": _pick(FEELINGS),
    "duration": _pick(DURATIONS),
    "relation": _pick(RELATIONS),
    "med": _pick(MEDS),
    "dose": _pick(DOSES),
    "instrument": _pick(INSTRUMENTS),
    "modality": _pick(MODALITIES),
    "weekday": _pick(WEEKDAYS),
    "state": _pick(STATES),
    "crisis": _pick(CRISIS),
    "site": _pick(PUBLIC_SITES),
    "month": _pick(MONTHS),
    "year": _plain(lambda rng: str(rng.randint(2008, 2024))),
    "score": _plain(lambda rng: str(rng.randint(3, 24))),
    "hours": _pick(("four", "five", "3", "4", "six")),
    "young_age": _plain(lambda rng: str(rng.randint(16, 78))),
}
