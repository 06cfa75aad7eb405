"""Clinical terms by their shape and by the words around them: the guard that keeps a
condition, a measure, a therapy or a drug that NER or the name slots read as a person or a
place. The keep-list (:mod:`mhds.steps.pii.keep`) asks these questions after its listed terms;
a name in a person's slot is that person whatever it looks like, which the keep-list decides
before it asks.

- A title-case term by its head noun ("Panic Disorder", "Beck Depression Inventory"), a
  condition's eponym ("Bell's Palsy"), an ordinary word naming a kind of therapy ("attending
  Couples therapy"), or one long word with a drug's stem or a condition's Greek ending
  (``is_clinical_name``).
- An item of a list of known medications ("(e.g. Wellbutrin XL, Aplenzin)":
  ``listed_with_medication``).
- A generic drug name that a verb of medicating or a dose makes a medicine ("put me on
  Tamoxifen", "Lamotrigine 50mg": ``names_medicines``); a brand by what it comes as ("Keflex
  antibiotic", "my Mirena IUD": ``named_by_its_form``).
- A known medicine's other name beside it ("mirtazapine (Rameron)", "Prozac/Fluxotine":
  ``other_name_of_medicine``).
"""

from __future__ import annotations

import re

from mhds.steps.pii.drugs import (
    is_drug_name,
    is_fda_only_brand,
    is_listed_brand,
    is_listed_drug,
    reads_as_medicine_name,
)
from mhds.steps.pii.eponyms import names_a_condition
from mhds.steps.pii.gazetteer import is_census_name
from mhds.steps.pii.keep_terms import MEDICATIONS, RELATIONS, term_key
from mhds.steps.pii.lexicon import EDGE_PUNCTUATION, POSSESSIVE_AFTER, is_name_like, is_ordinary
from mhds.steps.pii.name_cues import PERSON_VERB_AFTER, after_title
from mhds.steps.pii.spans import Span

#: Greek-derived endings of condition names ("Misophonia", "Trichotillomania", "Anorexia").
_CONDITION_ENDINGS = (
    "phobia", "philia", "phonia", "mania", "algia", "osis", "itis", "pathy", "plegia",
    "thymia", "somnia", "orexia", "praxia", "phasia", "phagia",
)  # fmt: skip
_CLINICAL_HEAD = re.compile(
    r"(?i:\b(?:(?P<strong>disorders?|syndromes?|disease|phobias?|dysphoria|psychosis|mania"
    r"|inventory|scale|questionnaire|index|checklist|interview|dementia|palsy|deficit|dystrophy"
    r"|sclerosis)|therapy|therapies|treatment|depression|anxiety|assessment))$"
)
_MIN_STEM_WORD = 8
#: A word of medicines near such a list, and how far from it.
_MEDICINE_NOUN = re.compile(
    r"(?i:\b(?:meds?|medications?|medicines?|prescri\w+|inhalers?|nebuli[sz]ers?|pills?"
    r"|tablets?|capsules?|doses?|dosage|\d+[ \t]*mg))\b"
)
_LIST_REACH = 120
_MAX_ITEMS = 8
#: Someone tied to the word right after it (", my niece", "(my roommate").
_TIED_AFTER = re.compile(r"[ \t]*[,(][ \t]*(?i:my|our|his|her|their)\b")
#: A kind of therapy in lower case right after a span ("Couples therapy"), where a word that
#: takes a therapy stands before it ("attending", "try", "in"; not "I told Grace therapy ...").
_HEAD_AFTER = re.compile(r"[ \t]+(?:therapy|therapies|counsel+ing|treatment)\b")
_THERAPY_CUE = re.compile(
    r"(?i:\b(?:attend\w*|try|tried|trying|start\w*|begin|began|consider\w*|recommend\w*"
    r"|suggest\w*|in|into|of|about|for|an?|the|do|doing|did|through)[ \t]+\Z)"
)
_WORD_REACH = 40
#: The word right before a span, and the relations and roles that stand before a name as
#: titles do ("Uncle", "Coach").
_WORD_BEFORE = re.compile(r"\b(?P<word>[A-Za-z]+)\.?[ \t]+\Z")
_PERSON_WORDS_BEFORE = RELATIONS | {"coach", "nurse", "officer", "pastor", "sister", "brother"}
_CUE_REACH = 40
#: Stems of generic drug names (USAN Council stem list) of psychiatric and commonly
#: co-prescribed drugs: sertraline, fluoxetine, diazepam, quetiapine, risperidone ...
DRUG_STEMS = (
    "oxetine", "xetine", "traline", "alopram", "triptyline", "ipramine", "pramine", "azepam",
    "azolam", "zolam", "apine", "peridol", "eridone", "idone", "piprazole", "faxine", "pirone",
    "azodone", "oxamine", "gabalin", "pentin", "otrigine", "azepine", "phetamine", "phenidate",
    "trexone", "loxone", "orphine", "codone", "afinil", "clopidol", "lurasidone", "olol",
    "zepam", "barbital", "plon", "zolpidem", "suvorexant", "orexant",
)  # fmt: skip
_CLINICAL_ENDINGS = DRUG_STEMS + _CONDITION_ENDINGS
#: Surnames' endings that end as a condition's do, and no condition's name ends so:
#: Lithuanian "-aitis", "-ytis", "-utis" ("Jonaitis", "Petraitis", "Jurkutis"), Tamil
#: "-apathy", "-upathy", "-oopathy" ("Ganapathy", "Sethupathy", "Bhoopathy"; a condition is
#: "-opathy": "neuropathy"), "-mania" but "-omania" ("Subramania"; "kleptomania").
_SURNAME_ENDINGS = re.compile(r"(?:aitis|ytis|utis|apathy|upathy|oopathy|(?<!o)mania)\Z")
#: A list's item right before or after a word, with a release suffix ("Wellbutrin XL, ").
_MEDICATION_BEFORE = re.compile(
    r"(?<![\w-])([A-Za-z][\w-]+)(?:[ \t]+[A-Z]{1,3})?[ \t]*(?:,|/|,?[ \t]+(?:and|or))[ \t]*\Z"
)
_MEDICATION_AFTER = re.compile(r"[ \t]*(?:,|/|,?[ \t]+(?:and|or))[ \t]*([A-Za-z][\w-]+)")
_LIST_CLOSE = re.compile(r"[ \t]*[)\]]")
#: After a list's item: the list goes on or ends, no clause ("Zoloft and Alora noticed").
_LIST_GOES_ON = re.compile(r"[ \t]*(?:[,/;:.!?)\]\n]|,?[ \t]+(?:and|or)\b|\Z)")
#: After a list's last item: a list's end, not a clause whose subject it is ("Zoloft, Skyla
#: and Jalyn all know"): a mark, or a word that ends a list of medicines ("but", "for", a
#: medicine's noun: "albuterol nebulizer").
_LIST_ENDS = re.compile(
    r"[ \t]*(?:[,.;:!?)\]\n]|\Z)|[ \t]+(?:(?i:but|since|because|so|yet|which|that|for|in|at"
    r"|with|to|from|every|each|daily|twice|now|too|as|when|while|before|after)\b"
    rf"|{_MEDICINE_NOUN.pattern})"
)
#: A verb of medicating right before a word, with at most an article or a dose between ("I'm
#: on", "put me on", "prescribed", "taking a", "switched to", "a drug called", "10mg of").
_MEDICATED_BEFORE = re.compile(
    r"(?i:(?:(?:['’]m|\bam|\bis|\bwas|\bbeen|\bbe|\bme|\bhim|\bher|\bthem|\bus|\bstill"
    r"|\bcurrently|\bstarted)[ \t]+on|\b(?:taking|take[sn]?|took|prescribed|prescribes"
    r"|switched[ \t]+(?:me[ \t]+)?to|dose[ \t]+of|drug[ \t]+called|medication"
    r"[ \t]+called)|(?<![a-z])mg[ \t]+of))(?:[ \t]+(?:a|an|some|\d+[ \t]*mg))?[ \t]+\Z"
)
#: After a word: a person's verb, or a word that takes someone somewhere.
_TAKEN_SOMEWHERE = re.compile(
    r"[ \t]+(?:to|out|back|home|along|away|around|over|off|with|into|and|who"
    r"|said|says|told|asked|called|texted|is|was|has|had)\b"
)
#: A medicine's other name beside it: in brackets right after it ("mirtazapine (Rameron)"),
#: holding it ("Rameron (mirtazapine)"), or joined to it by a slash ("Prozac/Fluxotine"); not
#: a third of a slash's list ("Savella/Priya/Tamsin").
_OTHER_NAME_BEFORE = re.compile(r"(?<![\w/-])([A-Za-z][\w-]+)(?:[ \t]*\([ \t]*|/)\Z")
_BRACKET_CLOSE = re.compile(r"[ \t]*\)")
#: A kind of medicine, its name in brackets after it ("my birth control (Kyleena)").
_KIND_OF_MEDICINE_BEFORE = re.compile(
    r"(?i:\b(?:birth[ \t]+control|contraceptives?|antidepressants?|antipsychotics?|SSRIs?"
    r"|SNRIs?|mood[ \t]+stabili[sz]ers?|stimulants?|medications?|meds|inhalers?|antibiotics?"
    r"|painkillers?|sleeping[ \t]+pills?|IUD|implant))[ \t]*\([ \t]*\Z"
)
_OTHER_NAME_AFTER = re.compile(
    r"(?:[ \t]*\([ \t]*([A-Za-z][\w-]+)[ \t]*\)|/([A-Za-z][\w-]+)(?![\w/'’-]))"
)
#: A dose's amount right after a word, before its unit ("50", " (10 ").
_AMOUNT_AFTER = r"[ \t]*\(?[ \t]*\d+(?:\.\d+)?[ \t]*"
#: A dose ("50mg", "(10 mg)") or a medicine's noun ("side effects", "withdrawal", "XR") after.
_MEDICATED_AFTER = re.compile(
    rf"(?:{_AMOUNT_AFTER}(?i:mg|mcg|ml|g)\b"
    r"|[ \t]+(?i:side[ \t]+effects?|withdrawals?|doses?|dosage|prescriptions?|pills?|tablets?"
    r"|injections?|refills?"
    r"|generic)\b|[ \t]+(?:XR|ER|XL|SR|CR|IR|ODT)\b)"
)
#: What makes a brand a medicine, people bearing brands' names as they do: its own dose right
#: after it, or an article after a verb of taking (and, below, what only a medicine comes as,
#: or medicines listed with it).
_BRAND_DOSE_AFTER = re.compile(rf"{_AMOUNT_AFTER}(?i:mg|mcg)\b(?![ \t]+of\b)")
_BRAND_TAKEN_BEFORE = re.compile(
    r"(?i:\b(?:taking|take[sn]?|took|tried|prescribed)[ \t]+(?:a|an|some)[ \t]+)\Z"
)
#: What only a medicine comes as, one of it, right after its name ("Augmentin antibiotic",
#: "a Symbicort inhaler", "Mirena IUD"): nouns English has no verb of ("We watched Alora spray
#: paint", "help Kadian patch things up"); not in the plural, nor pills or doses, which follow
#: a person given them ("gave Sorine injections", "crush Kyleena pills").
_FORM_AFTER = re.compile(
    r"[ \t]+(?:(?i:antibiotic|inhaler|ointment|suppository|nebuli[sz]er|nasal[ \t]+spray"
    r"|eye[ \t]+drops)|IUD)\b"
)
#: Whose a medicine is, right before its name ("my", "her"), or an article.
_OWNER_BEFORE = re.compile(r"(?i:\b(?:my|your|his|her|our|their|a|an|the)[ \t]+)\Z")
#: Medicines in the plural listed with a drug's brand, the list ending there ("Anusol and
#: laxatives but ..."; not "I told Alora and meds can wait").
_WITH_MEDICINES_AFTER = re.compile(
    r",?[ \t]+(?:and|or)[ \t]+(?:some[ \t]+|other[ \t]+)?(?i:laxatives|antibiotics"
    r"|painkillers|pain[ \t]+killers|meds|medications|medicines|vitamins|supplements|steroids"
    r"|antidepressants|antihistamines|probiotics|pills|tablets|inhalers)"
    r"(?=[ \t]*(?:[.,;:!?)\n]|\Z|(?:but|since|because|so|yet|which|that)\b))"
)
#: Endings given names have and drugs' names mostly not ("Valerian", "Belladonna"): a drug's
#: name so ending is a medicine only where a word around says so.
_NAME_ENDING = re.compile(r"(?i:ian|ia|a|o|us|ie|y|er|el|an|on|ah|ey|is|ette|elle)\Z")
#: The shortest word counted as one of two run together ("worm" + "wood").
_MIN_PART = 3
_MEDICATION_KEYS = frozenset(term_key(t) for t in MEDICATIONS)


def is_clinical_name(text: str, span: Span) -> bool:
    """The clinical-term guard: a title-case span that names a condition, a treatment, a
    measure or a drug, not a person or place. Its last word is a clinical head noun ("Panic
    Disorder", "Beck Depression Inventory"; "... Therapy" or "... Treatment" only without a
    name-like word before it, which makes it a practice: "Brookhaven Therapy"); or it is a
    condition's eponym (:func:`mhds.steps.pii.eponyms.names_a_condition`: "Asperger('s)
    Syndrome", "Bell's Palsy", "has Parkinson's"); or it is one word of
    eight letters or more with the stem of a psychiatric drug's generic name (USAN stems:
    "-oxetine", "-azepam", "-apine" ...) or the Greek ending of a condition ("-phobia",
    "-phonia", "-osis" ...), but for a surname's ending ("Jonaitis", "Ganapathy") and after a
    title or a relation's word ("Dr. Sethupathy", "Coach Kalnitis")."""
    raw = text[span.start : span.end].strip(EDGE_PUNCTUATION)
    head = _CLINICAL_HEAD.search(raw)  # also an ordinary word before a head noun
    if head is not None:
        before = raw[: head.start()].split()
        if head["strong"] or not any(is_name_like(w.strip(EDGE_PUNCTUATION)) for w in before):
            return True
    condition = names_a_condition(text, span.start, span.end)
    if condition is not None:
        return condition  # "Bell's Palsy", "has Parkinson's"; not "Jane Syndrome"
    if (
        _HEAD_AFTER.match(text, span.end)
        and _THERAPY_CUE.search(text, max(0, span.start - _WORD_REACH), span.start)
        and not any(is_name_like(w) for w in raw.split())
    ):
        return True  # "attending Couples therapy": an ordinary word naming a kind of therapy
    word = raw.lower()
    if " " in raw or len(word) < _MIN_STEM_WORD or not word.endswith(_CLINICAL_ENDINGS):
        return False
    # "I met Jonaitis at the clinic", "Dr. Sethupathy": a surname
    return not (_SURNAME_ENDINGS.search(word) or _after_person_word(text, span.start))


def _after_person_word(text: str, start: int) -> bool:
    """Whether a title or a relation's word stands right before ``start`` ("Dr. ", "Coach ",
    "Uncle ")."""
    before = _WORD_BEFORE.search(text, max(0, start - _CUE_REACH), start)
    return after_title(text, start) or (
        before is not None and before["word"].lower() in _PERSON_WORDS_BEFORE
    )


def listed_with_medication(text: str, start: int, end: int) -> bool:
    """Whether the word at ``text[start:end]`` is an item of a list of known medications (the
    keep-list's own, and long generic names as written): after one and closing a bracket
    ("(e.g. Wellbutrin XL, Aplenzin)"), or between two ("Zoloft, Aplenzin or Paxil"), a
    drug's brand the lists lack; or a generic name of eight letters or more, or one misspelt,
    next to one ("Concerta, Adderal, Clonodine, Risperdal"; not "Zoloft and Senna": people bear
    short ones). A clause that goes on after it is no list ("I was on Prozac and Rebecca
    noticed")."""
    before = _MEDICATION_BEFORE.search(text, max(0, start - _CUE_REACH), start)
    after = _MEDICATION_AFTER.match(text, end)
    known_before = before is not None and _is_known_medicine(before[1])
    known_after = after is not None and _is_known_medicine(after[1])
    if known_before and (_LIST_CLOSE.match(text, end) or known_after):
        return True
    word = text[start:end]
    if (
        (known_before or known_after)
        and len(word) >= _MIN_STEM_WORD
        and is_drug_name(word)
        and _LIST_GOES_ON.match(text, end) is not None
    ):
        return True
    return _among_medicines(text, start, end)


def _among_medicines(text: str, start: int, end: int) -> bool:
    """Whether a word that is no Census name stands in a list of single words near a word of
    medicines, with a known medicine (the keep-list's own or a generic name, not a brand that
    people bear) in the list, and is a drug brand of the tables (an Orange Book one only where
    the list ends as one: not "Zoloft, Skyla and Jalyn all know") or has listed medicines right
    on both sides of it ("Singulair, ProAir, Trelegy, albuterol nebulizer"), no tie to
    someone after it; not "Kyleena and Alora, my twins, hide my pills", "Zoloft, Xanax and
    Kyleena, my niece, came", nor names after the medicines ("Effexor, Trazodone, Yusra")."""
    word = text[start:end]
    if " " in word or is_census_name(word) or _LIST_GOES_ON.match(text, end) is None:
        return False
    if _TIED_AFTER.match(text, end) or PERSON_VERB_AFTER.match(text, end):
        return False
    near = text[max(0, start - _LIST_REACH) : end + _LIST_REACH]
    if _MEDICINE_NOUN.search(near) is None:
        return False
    earlier, later, list_end = _list_items(text, start, end)
    if not any(map(_is_known_medicine, earlier + later)):
        return False  # a list of brands alone may be a list of people who bear them
    if is_fda_only_brand(word):  # "Zoloft, Skyla and Jalyn all know": people
        return _LIST_ENDS.match(text, list_end) is not None
    if is_listed_brand(word):
        return True
    return bool(earlier and later) and _is_listed(earlier[0]) and _is_listed(later[0])


def _list_items(text: str, start: int, end: int) -> tuple[list[str], list[str], int]:
    """The words listed before the word at ``text[start:end]`` (nearest first) and after it,
    at most ``_MAX_ITEMS`` each way, and where the list ends after it."""
    earlier: list[str] = []
    at = start
    while len(earlier) < _MAX_ITEMS and (
        before := _MEDICATION_BEFORE.search(text, max(0, at - _CUE_REACH), at)
    ):
        earlier.append(before[1])
        at = before.start()
    later: list[str] = []
    at = end
    while len(later) < _MAX_ITEMS and (after := _MEDICATION_AFTER.match(text, at)):
        later.append(after[1])
        at = after.end()
    return earlier, later, at


def _is_listed(word: str) -> bool:
    """A medicine of the keep-list, the drug table or its brands (not the Orange Book's, which
    people bear more often: "Zoloft, Prozac, Elliotts and Skyla all came")."""
    brand = is_listed_brand(word) and not is_fda_only_brand(word)
    return _is_known_medicine(word) or brand or is_listed_drug(word)


def opens_with_medicine(text: str, start: int, end: int) -> bool:
    """Whether a span of several words opens with a medicine as written (the keep-list's own
    or a generic name of the drug table) and holds nothing else that could be a
    name: a post's title glued to its greeting ("Vyvanse Hello!"), a drug with what it treats,
    its other name or a number ("Abilify Insomnia", "Venlafaxine Effexor", "Concerta 27").
    Not with a Census name among them ("Lexapro Will"), nor before a person's verb."""
    words = [w.strip(EDGE_PUNCTUATION) for w in text[start:end].split()]
    if len(words) < 2 or not _is_medicine_word(words[0]):
        return False
    if PERSON_VERB_AFTER.match(text, end) is not None:
        return False
    return all(_is_medicine_word(w) or _names_nothing(w) for w in words[1:])


def _is_medicine_word(word: str) -> bool:
    return term_key(word) in _MEDICATION_KEYS or is_listed_drug(word)


def _names_nothing(word: str) -> bool:
    """A number, or a word that is neither name-like nor a Census name ("Hello", "Insomnia")."""
    if not word or word.isdigit():
        return True
    if not word.isalpha() or is_census_name(word.capitalize()):
        return False
    return is_ordinary(word) or not is_name_like(word)


def _is_known_medicine(word: str) -> bool:
    """A medicine no one bears as a name: one of the keep-list's own, or a long generic name
    as written (not "Senna", "Alora": a list of those may be people)."""
    return term_key(word) in _MEDICATION_KEYS or _reads_as_drug(word)


def names_medicines(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` is one generic drug name
    (:func:`mhds.steps.pii.drugs.is_drug_name`) that the words right around make a medicine: a
    verb of medicating right before it, with at most an article or a dose between ("I'm on
    Sertraline", "put me on Tamoxifen", "prescribed Trazadone", "taking a Quetiapine", "a drug
    called Tamoxifen"), or a dose or a medicine's noun right after it ("Lamotrigine 50mg",
    "Sertraline Withdrawal", which may be the span's own last word); or a generic name of
    eight letters or more written as the table has it ("Tamoxifen is an estrogen blocker"),
    with no title before, no person's verb after, no ending of a given name ("Valerian keeps
    calling") and not two English words run together ("Wormwood"). Not with a possessive, nor
    before a word that takes a person somewhere ("taking Senna to the beach", "I'm on
    Valerian's side"). A brand of the brand table, one word as written, only where the words
    around make it a medicine (:func:`_brand_as_medicine`); a word neither table lists, only
    after an owner or an article and before what only a medicine comes as ("a Symbicort
    inhaler": :func:`_unlisted_with_form`)."""
    first = text[start:end].split(maxsplit=1)[0] if text[start:end].strip() else ""
    after = start + len(first)
    if not first:
        return False
    if not is_drug_name(first):
        if after != end:
            return False
        if is_listed_brand(first):
            return _brand_as_medicine(text, start, end)
        owner = _OWNER_BEFORE.search(text, max(0, start - _CUE_REACH), start)
        return owner is not None and _unlisted_with_form(text, start, end)  # not "took Oisin"
    noun = _MEDICATED_AFTER.match(text, after)
    if after < end and (noun is None or noun.end() < end):
        return False  # words after the drug's name that are no medicine's noun
    if POSSESSIVE_AFTER.match(text, after):
        return False  # "Senna's couch"
    if _reads_as_drug(first) and not after_title(text, start):
        return PERSON_VERB_AFTER.match(text, after) is None  # "Tamoxifen is", not "... said"
    if _TAKEN_SOMEWHERE.match(text, after):
        return False  # "taking Senna to the park", "Valerian said"
    return noun is not None or (
        _MEDICATED_BEFORE.search(text, max(0, start - _CUE_REACH), start) is not None
    )


def _brand_as_medicine(text: str, start: int, end: int) -> bool:
    """Whether a drug's brand at ``text[start:end]`` is a medicine: its dose right after it
    ("Zofran 8mg"; not "gave Halaven 1g of paracetamol"), what only a medicine comes as after
    it with an owner, an article or a verb of medicating before ("I took Augmentin antibiotic",
    "a Ventolin inhaler"; not "I forgot Kadian inhaler"), medicines listed with it ("Anusol and
    laxatives but"), or an article after a verb of taking right before it ("taking a Zofran";
    not "I took Savella shopping")."""
    if _BRAND_DOSE_AFTER.match(text, end):
        return True
    if _FORM_AFTER.match(text, end) and _owned_or_taken(text, start):
        return True
    if _WITH_MEDICINES_AFTER.match(text, end):
        return True
    return _BRAND_TAKEN_BEFORE.search(text, max(0, start - _CUE_REACH), start) is not None


def other_name_of_medicine(text: str, start: int, end: int) -> bool:
    """Whether the one word at ``text[start:end]``, written as a medicine's name is
    (:func:`mhds.steps.pii.drugs.reads_as_medicine_name`: a brand, or a name misspelt), is a
    known medicine's other name beside it: in brackets right after it ("mirtazapine
    (Rameron)"), holding it in brackets after itself ("Rameron (mirtazapine)"), or joined to it
    by a slash with no blank ("Prozac/Fluxotine"); or in brackets right after a kind of
    medicine ("my antidepressant (Trintellix)"). The medicine beside it is one no one bears as
    a name (the keep-list's own, a long generic name), not a brand ("Kyleena/Alora are my
    twins"); not a Census name, nor before a possessive ("Lexapro/Priya's advice") or, after
    its bracket, a person's verb ("my medications (Jalyn) said")."""
    word = text[start:end]
    if not word.isalpha() or not _beside_a_medicine(text, start, end):
        return False
    if (is_census_name(word) and not is_listed_brand(word)) or POSSESSIVE_AFTER.match(text, end):
        return False
    close = _BRACKET_CLOSE.match(text, end)
    if close is not None and PERSON_VERB_AFTER.match(text, close.end()):
        return False  # "my medications (Jalyn) said I should ask": someone
    return reads_as_medicine_name(word)


def _beside_a_medicine(text: str, start: int, end: int) -> bool:
    """Whether the word at ``text[start:end]`` stands where a medicine's other name goes."""
    if _KIND_OF_MEDICINE_BEFORE.search(text, max(0, start - _CUE_REACH), start):
        return _BRACKET_CLOSE.match(text, end) is not None
    before = _OTHER_NAME_BEFORE.search(text, max(0, start - _CUE_REACH), start)
    if before is not None and _is_known_medicine(before[1]):
        if before[0].endswith("/"):
            return not text.startswith("/", end)  # not "Xanax/Kaelin/Brisa"
        return _BRACKET_CLOSE.match(text, end) is not None
    after = _OTHER_NAME_AFTER.match(text, end)
    return after is not None and _is_known_medicine(after[1] or after[2])


def named_by_its_form(text: str, start: int, end: int) -> bool:
    """Whether the one word at ``text[start:end]`` is a medicine by what only a medicine comes
    as, right after it, even after "my" ("my Mirena IUD", "my Keflex antibiotic"; not after a
    relation's word, "my friend Jaylen inhaler"): a drug's brand of the table, or a word the
    tables lack that is no Census name."""
    word = text[start:end]
    if _OWNER_BEFORE.search(text, max(0, start - _CUE_REACH), start) is None:
        return False  # "my friend Jaylen inhaler": a relation names a person
    if is_listed_brand(word):
        return _FORM_AFTER.match(text, end) is not None
    return _unlisted_with_form(text, start, end)


def _owned_or_taken(text: str, start: int) -> bool:
    """An owner or an article ("my", "a"), or a verb of medicating ("I took"), right before."""
    reach = max(0, start - _CUE_REACH)
    owner = _OWNER_BEFORE.search(text, reach, start)
    return owner is not None or _MEDICATED_BEFORE.search(text, reach, start) is not None


def _unlisted_with_form(text: str, start: int, end: int) -> bool:
    """Whether a word the tables lack, no Census name, has what only a medicine comes as
    right after it ("my Mirena IUD", "a Symbicort inhaler")."""
    word = text[start:end]
    if not word.isalpha() or is_census_name(word):
        return False
    return _FORM_AFTER.match(text, end) is not None


def _reads_as_drug(word: str) -> bool:
    """A generic name of the drug table as written, of eight letters or more, that ends as no
    given name does ("Valerian") and is not two English words run together ("Wormwood",
    "Buckwheat", which people bear as names and nicknames)."""
    if len(word) < _MIN_STEM_WORD or not is_listed_drug(word) or _NAME_ENDING.search(word):
        return False
    lower = word.lower()
    return not any(
        is_ordinary(lower[:i]) and is_ordinary(lower[i:])
        for i in range(_MIN_PART, len(lower) - _MIN_PART + 1)
    )
