"""``mhds quarantine``: list held items, show one (raw text, on request only), and re-admit a
PII-review false positive with a recorded decision."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from mhds.cli.common import RegistryOpt, StoreOpt, console, open_store_and_registry, run
from mhds.steps.pii.fields import METADATA_KINDS, record_texts

if TYPE_CHECKING:
    from mhds.quarantine import QuarantineItem, RawView, Readmission
    from mhds.records.schema import Record

app = typer.Typer(
    help="Work in the quarantine: list held items, show one, re-admit a PII false positive. "
    "It holds raw, unredacted data: give it the raw tier's access policy.",
    no_args_is_help=True,
)

ItemArg = Annotated[
    str,
    typer.Argument(
        help="A record id, or a quarantine key and line as `ls` prints them "
        "(quarantine/BUILD/FILE.jsonl:3).",
        show_default=False,
    ),
]
RAW_WARNING = (
    "WARNING: raw, unredacted data from the quarantine. Keep it inside the raw tier: do not "
    "paste it into tickets, chats or logs."
)
# Terminal controls and bidirectional overrides in hostile input are shown, not obeyed.
_INVISIBLE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


@app.command("ls")
def ls(
    store: StoreOpt = None,
    registry: RegistryOpt = None,
    build: Annotated[str | None, typer.Option("--build", help="Only this build id.")] = None,
    source: Annotated[str | None, typer.Option("--source", help="Only this source id.")] = None,
    reason: Annotated[
        str | None, typer.Option("--reason", help="Only this reason code (pii_residual ...).")
    ] = None,
    limit: Annotated[
        int,
        typer.Option(
            "--limit", min=0, help="Items listed at most (0: all); counts are always complete."
        ),
    ] = 200,
) -> None:
    """List quarantined items by build: key:line, kind, source, record id, reason, field and
    where the input was. Never text. Counts per source and reason follow.

    Example: `mhds quarantine ls --store s3://bucket/datasets --reason pii_residual`
    """
    from mhds.quarantine import QuarantineSummary, iter_items, load_readmissions

    st, reg = run(lambda: open_store_and_registry(store, registry))
    layout = reg.layout
    readmitted = run(lambda: load_readmissions(st, layout))
    summary = QuarantineSummary()
    last_build: list[str] = []

    def list_items() -> None:
        for item in iter_items(st, layout, build=build, source=source, reason=reason):
            summary.add(item)
            if limit and summary.total > limit:
                continue
            if last_build[-1:] != [item.build_id]:
                last_build.append(item.build_id)
                console.out(f"build {item.build_id}", highlight=False)
            console.out("  " + _item_line(item, readmitted), highlight=False)

    run(list_items)
    where = st.url_for(layout.quarantine.rstrip("/"))
    if not summary.total:
        console.out(f"nothing quarantined{_filters(build, source, reason)} in {where}")
        return
    if limit and summary.total > limit:
        console.print(f"{summary.total - limit} more items not listed (--limit 0 lists all)")
    _print_counts(summary)
    kinds = ", ".join(f"{n} {kind}" for kind, n in sorted(summary.by_kind.items()))
    console.out(
        f"{summary.total} items ({kinds}) in {len(summary.by_build)} build(s) under {where}. "
        "Text is never listed: `mhds quarantine show ITEM` prints one item.",
        highlight=False,
    )


@app.command("show")
def show(item: ItemArg, store: StoreOpt = None, registry: RegistryOpt = None) -> None:
    """Print one item with its raw, unredacted text (the only command that prints text).

    For a record id held in several builds, the latest build's item is shown.

    Example: `mhds quarantine show quarantine/20261125T111507Z/counsel_chat.jsonl:3`
    """
    from mhds.quarantine import find_items, load_raw, read_readmission

    st, reg = run(lambda: open_store_and_registry(store, registry))
    layout = reg.layout
    found = run(lambda: find_items(st, layout, item))
    chosen = found[-1]
    raw = run(lambda: load_raw(st, layout, chosen))
    decision = (
        run(lambda: read_readmission(st, layout, chosen.record_id or "", chosen.content_hash or ""))
        if chosen.kind == "record" and chosen.content_hash
        else None
    )
    console.print(f"[bold red]{RAW_WARNING}[/bold red]")
    _print_fields(chosen, decision, [f.build_id for f in found[:-1]])
    _print_raw(raw)


@app.command("readmit")
def readmit(
    item: ItemArg,
    who: Annotated[str, typer.Option("--who", help="Who decides (a name or handle).")],
    why: Annotated[
        str,
        typer.Option("--why", help="Why, in your words (kept in the decision and the audit log)."),
    ],
    store: StoreOpt = None,
    registry: RegistryOpt = None,
) -> None:
    """Re-admit a record held by the PII review (`pii_residual`, or `pii_uncertain` under the
    `uncertain: review` policy) with a recorded decision.

    The decision (record id, content hash as quarantined, reason, who, why, when) is written
    once under `quarantine/readmitted/` and into a hash-chained audit log; the next build
    ships the record with its redaction (uncertain spans redacted too) while its content is
    unchanged. Input errors cannot
    be re-admitted: fix the source item and re-ingest.

    Example: `mhds quarantine readmit chats-0f3a9c --who dr-a --why "mom.listen: a typo"`
    """
    from mhds.quarantine import find_items, readmission_key
    from mhds.quarantine import readmit as readmit_item

    st, reg = run(lambda: open_store_and_registry(store, registry))
    layout = reg.layout
    chosen = run(lambda: find_items(st, layout, item))[-1]
    decision = run(lambda: readmit_item(st, layout, chosen, who=who, why=why))
    console.out(
        f"re-admitted {decision.record_id} ({decision.content_hash}), held for "
        f"{decision.reason} in build {decision.build_id}",
        highlight=False,
    )
    key = readmission_key(layout, decision.record_id, decision.content_hash)
    console.out(f"decision: {st.url_for(key)}")
    console.out(f"audit log: {st.url_for(decision.audit_key)}")
    console.out("the next build ships it with its redaction while its content is unchanged")


def _item_line(item: QuarantineItem, readmitted: dict[tuple[str, str], str]) -> str:
    """One listing line: ids, keys, lines, fields and codes only."""
    parts = [item.ref, item.kind, f"source={item.source_id or '?'}"]
    if item.record_id:
        parts.append(f"record={item.record_id}")
    parts.append(f"reason={item.reason}")
    if item.field:
        parts.append(f"field={item.field}")
    if item.categories:
        parts.append(f"categories={item.categories}")
    if item.kind == "input":
        parts.append(f"at={item.source_key}:{item.source_line or item.locator}")
    elif item.source_key:
        parts.append(f"at={item.source_key} {item.locator or ''}".rstrip())
    if item.record_id and (item.record_id, item.content_hash or "") in readmitted:
        parts.append("READMITTED")
    return _visible("  ".join(parts))


def _print_counts(summary: Any) -> None:
    table = Table(title="quarantined items by source and reason")
    for column in ("source", "reason", "items"):
        table.add_column(column)
    for (source_id, reason), count in sorted(summary.by_source_reason.items()):
        table.add_row(_visible(source_id), _visible(reason), str(count))
    console.print(table)


def _print_fields(item: QuarantineItem, decision: Readmission | None, older: list[str]) -> None:
    rows: list[tuple[str, Any]] = [
        ("item", item.ref),
        ("build", item.build_id),
        ("kind", item.kind),
        ("record", item.record_id),
        ("source", item.source_id),
        ("reason", item.reason),
        ("field", item.field),
        ("detail", item.detail),
        ("input", item.source_key),
        ("at", item.source_line if item.kind == "input" else item.locator),
        ("content", item.content_hash),
        ("step", item.step),
    ]
    if older:
        rows.append(("also in", f"{len(older)} earlier build(s): {', '.join(older)}"))
    if decision is not None:
        status = f"re-admitted by {decision.who} at {decision.time}: {decision.why}"
        if decision.content_hash != item.content_hash:
            status += f" (for content {decision.content_hash}, not this one)"
        rows.append(("decision", status))
    for label, value in rows:
        if value is not None:
            console.out(_visible(f"{label:<9} {value}"), highlight=False)


def _print_raw(raw: RawView) -> None:
    from mhds.records import codec

    if raw.missing is not None:
        console.out(_visible(f"--- no raw text: {raw.missing} ---"), highlight=False)
        return
    if raw.record is not None:
        _print_record(raw.record, raw.where)
        return
    if raw.line is not None:
        console.out(f"--- raw source line, not parseable (from {raw.where}) ---")
        console.out(_visible(raw.line), highlight=False)
        return
    console.out(f"--- raw input item (from {raw.where}) ---")
    console.out(_visible(codec.dumps(raw.item, indent=True).decode()), highlight=False)


def _print_record(record: Record, where: str | None) -> None:
    """A held record's free text as it came into the PII step: messages, then the metadata
    parts that ship as text (string attributes, group id, source key)."""
    messages = record.messages
    console.out(f"--- raw record, {len(messages)} messages (from {where}) ---")
    for n, message in enumerate(messages):
        console.out(f"[{n}] {message.role}", highlight=False)
        console.out(_visible(message.content), highlight=False)
    # The same parts the PII step reads (mhds.steps.pii.fields), so the two cannot drift.
    for part in record_texts(record, METADATA_KINDS):
        console.out(_visible(f"{part.name}: {part.value}"), highlight=False)


def _filters(build: str | None, source: str | None, reason: str | None) -> str:
    named = [f"{k} {v}" for k, v in (("build", build), ("source", source), ("reason", reason)) if v]
    return f" for {', '.join(named)}" if named else ""


def _visible(text: str) -> str:
    """``text`` with terminal controls and bidi overrides written as escapes."""
    return _INVISIBLE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
