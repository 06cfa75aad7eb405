"""``mhds pii``: find and redact personal identifiers in JSONL."""

from __future__ import annotations

import sys
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from mhds.cli.common import run

T = TypeVar("T")

app = typer.Typer(help="Find and redact personal identifiers in JSONL.", no_args_is_help=True)

FileArg = Annotated[
    str, typer.Argument(help='JSONL of {"id": ..., "text": ...} lines, or - for stdin.')
]
RecordsOpt = Annotated[
    bool, typer.Option("--records", help="Input lines are canonical records (per message).")
]
OutputOpt = Annotated[
    Path | None, typer.Option("--output", "-o", help="Write here instead of stdout.")
]


@app.command("scan")
def scan(file: FileArg, records: RecordsOpt = False, output: OutputOpt = None) -> None:
    """Write `{"id", "spans": [{"start", "end", "category"}]}` per input line, in order.

    Offsets are character offsets into `text`. Categories: PERSON, LOCATION, DATE, PHONE,
    EMAIL, URL, IP_ADDRESS, ID, AGE, CREDENTIAL. Unreadable lines give `{"id": null, "error": ...}`
    and exit code 3.

    Example: `mhds pii scan notes.jsonl > spans.jsonl`
    """
    from mhds.steps.pii.engine import PIIEngine
    from mhds.steps.pii.textio import scan_stream

    report = run(
        lambda: _stream(file, output, lambda s, o: scan_stream(s, o, PIIEngine(), records=records))
    )
    if report.errors:
        raise typer.Exit(3)


@app.command("redact")
def redact(
    file: FileArg,
    records: RecordsOpt = False,
    output: OutputOpt = None,
    mode: Annotated[
        str, typer.Option(help="placeholder ([PERSON_1]) or surrogate (consistent fake values).")
    ] = "placeholder",
) -> None:
    """Write `{"id", "text"}` with identifiers replaced, per input line, in order.

    Replacements are consistent inside one item (`[PERSON_1]` is the same person in every
    turn of a record). Public crisis lines, clinical terms, relations, weekdays and bare years
    are kept. An item the residual scan does not clear gives `"text": null` with an error and
    exit code 3: unredacted text is never written.

    Example: `mhds pii redact notes.jsonl -o redacted.jsonl`
    """
    from mhds.errors import ConfigError
    from mhds.steps.pii.config import PIIConfig
    from mhds.steps.pii.step import PIIRedactor
    from mhds.steps.pii.textio import redact_stream

    def go() -> Any:
        if mode not in ("placeholder", "surrogate"):
            raise ConfigError(f"unknown mode {mode!r} (placeholder, surrogate)")
        step = PIIRedactor(PIIConfig(mode=mode))
        return _stream(file, output, lambda s, o: redact_stream(s, o, step, records=records))

    if run(go).errors:
        raise typer.Exit(3)


def _stream(file: str, output: Path | None, work: Callable[[Any, Any], T]) -> T:
    """Open FILE (or stdin) and the output (or stdout) as binary streams and run ``work``."""
    from mhds.errors import ConfigError

    with ExitStack() as stack:
        if file == "-":
            source = sys.stdin.buffer
        else:
            try:
                source = stack.enter_context(Path(file).open("rb"))
            except OSError as exc:
                raise ConfigError(f"cannot read {file}: {exc.strerror}") from None
        sink = stack.enter_context(output.open("wb")) if output else sys.stdout.buffer
        result = work(source, sink)
        sink.flush()
        return result
