"""The bias annotations a build's workers make: one per staged record, read back by compile,
giving the bias report that annotating the compiled records directly gives."""

from __future__ import annotations

from pathlib import Path

from mhds.ingest.processed import iter_shard_records
from mhds.pipeline.run import build_release
from mhds.pipeline.stages import read_annotations
from mhds.records import codec
from mhds.reports.bias import BiasReport, BiasStats
from mhds.steps.bias import annotate
from mhds.store import LocalStore
from tests.pipeline.build_cases import (
    RELEASES,
    TODAY,
    VERSION,
    compiled_records,
    fast_config,
    make_registry,
    seed_store,
)


def test_compile_counts_the_workers_annotations_as_annotating_the_release_would(
    tmp_path: Path,
) -> None:
    store = LocalStore(tmp_path / "store")
    seed_store(store)
    result = build_release(store, make_registry(), fast_config(), today=TODAY)
    assert result.published

    staged = sorted(o.key for o in store.list("work/steps/") if o.key.endswith("/part.jsonl.zst"))
    notes = read_annotations(store, staged[0])
    records = compiled_records(store)
    by_id = {r.metadata.id: r for r in records}
    assert notes and set(notes) == {r.metadata.id for r in iter_shard_records(store, staged[0])}
    for record_id, note in notes.items():
        assert note == annotate(by_id[record_id])

    direct = BiasStats()
    for record in records:
        direct.add(record)
    shipped = store.read_bytes(f"{RELEASES}{VERSION}/reports/bias_report.json")
    assert codec.loads(shipped) == codec.loads(BiasReport.from_stats(direct).to_json())
