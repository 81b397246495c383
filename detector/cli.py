"""`outreach-guard` command line.

Exit codes (documented in the README): 0 allow, 1 review, 2 block (the strictest decision seen),
64 usage error, 65 bad input (unreadable file, a line that is not text/JSON with a `text` field).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from detector import __version__

EXIT_CODES = {"allow": 0, "review": 1, "block": 2}
EXIT_USAGE = 64
EXIT_BAD_INPUT = 65

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Detect misuse of customers' personal data in seller messages.",
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"outreach-guard {__version__}")
        raise typer.Exit(0)


@app.callback()
def main(
    version: Annotated[
        bool | None,
        typer.Option(
            "--version",
            callback=_version,
            is_eager=True,
            help="Print the version and exit.",
        ),
    ] = None,
) -> None:
    """outreach-guard: checks seller messages against the customer personal-data policy."""


def _load_detector(model: Path | None, rules_only: bool, unmasked: bool):
    from detector import Detector

    try:
        return Detector.load(model, use_model=not rules_only, mask_pii=not unmasked)
    except (FileNotFoundError, ValueError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(EXIT_USAGE) from exc


def _read_lines(path: Path):
    """Yield (line number, text, extra fields) from a text or JSONL file; bad lines become errors."""
    opener = sys.stdin.buffer if str(path) == "-" else None
    try:
        raw = opener.read() if opener else path.read_bytes()
    except OSError as exc:
        typer.echo(f"error: cannot read {path}: {exc}", err=True)
        raise typer.Exit(EXIT_BAD_INPUT) from exc
    for n, line in enumerate(raw.splitlines(), 1):
        try:
            s = line.decode("utf-8")
        except UnicodeDecodeError as exc:
            yield n, None, {"error": f"line {n}: not UTF-8 ({exc.reason} at byte {exc.start})"}
            continue
        if not s.strip():
            continue
        if s.lstrip().startswith("{"):
            try:
                obj = json.loads(s)
            except json.JSONDecodeError as exc:
                yield n, None, {"error": f"line {n}: invalid JSON: {exc.msg}"}
                continue
            if not isinstance(obj, dict) or not isinstance(obj.get("text"), str):
                yield n, None, {"error": f"line {n}: JSON object without a string 'text' field"}
                continue
            yield (
                n,
                obj["text"],
                {k: v for k, v in obj.items() if k in ("id", "message_id", "context", "lang")},
            )
        else:
            yield n, s, {}


@app.command()
def check(
    text: Annotated[str | None, typer.Argument(help="The message to check.")] = None,
    file: Annotated[
        Path | None,
        typer.Option("--file", "-f", help="Text lines or JSONL with a `text` field ('-' = stdin)."),
    ] = None,
    explain: Annotated[
        bool, typer.Option("--explain", help="Readable table with the evidence highlighted.")
    ] = False,
    model: Annotated[
        Path | None, typer.Option("--model", help="A model folder (default: newest shipped).")
    ] = None,
    rules_only: Annotated[bool, typer.Option("--rules-only", help="Skip the classifier.")] = False,
    unmasked: Annotated[
        bool, typer.Option("--unmasked", help="Show personal data in evidence unmasked.")
    ] = False,
    lang: Annotated[str | None, typer.Option("--lang", help="Language code, if known.")] = None,
) -> None:
    """Check one message (TEXT) or every line of --file; prints JSON (one line per message)."""
    if (text is None) == (file is None):
        typer.echo("error: give either TEXT or --file", err=True)
        raise typer.Exit(EXIT_USAGE)
    det = _load_detector(model, rules_only, unmasked)
    worst, bad = "allow", 0
    items = [(1, text, {"lang": lang})] if text is not None else _read_lines(file)
    for n, msg, extra in items:
        if msg is None:
            bad += 1
            typer.echo(json.dumps({"line": n, "error": extra["error"]}, ensure_ascii=False))
            continue
        try:
            verdict = det.check(msg, extra.get("context"), lang=extra.get("lang") or lang)
        except ValueError as exc:
            bad += 1
            typer.echo(json.dumps({"line": n, "error": str(exc)}, ensure_ascii=False))
            continue
        if explain:
            from detector.explain import render

            render(msg, verdict)
        else:
            out = verdict.model_dump(mode="json")
            if file is not None:
                out = {"line": n, **{k: v for k, v in extra.items() if k in ("id", "message_id")}, **out}
            typer.echo(json.dumps(out, ensure_ascii=False))
        if EXIT_CODES[verdict.decision] > EXIT_CODES[worst]:
            worst = verdict.decision
    if bad and worst == "allow":
        raise typer.Exit(EXIT_BAD_INPUT)
    raise typer.Exit(EXIT_CODES[worst])


@app.command("check-campaign")
def check_campaign(
    file: Annotated[
        Path,
        typer.Argument(help="Campaign JSON: the campaign object or {\"campaign\": {...}} ('-' = stdin)."),
    ],  # noqa: E501
    model: Annotated[
        Path | None, typer.Option("--model", help="A model folder (default: newest shipped).")
    ] = None,
    rules_only: Annotated[bool, typer.Option("--rules-only", help="Skip the classifier.")] = False,
    unmasked: Annotated[bool, typer.Option("--unmasked", help="Show personal data unmasked.")] = False,
) -> None:
    """Check a campaign on its text AND its facts (audience, consent, approval, items); prints JSON."""
    from pydantic import ValidationError

    from detector.campaign import Campaign

    try:
        raw = sys.stdin.buffer.read() if str(file) == "-" else file.read_bytes()
        obj = json.loads(raw)
        if isinstance(obj, dict) and set(obj) == {"campaign"}:
            obj = obj["campaign"]
        campaign = Campaign.model_validate(obj)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        typer.echo(f"error: cannot read a JSON campaign from {file}: {exc}", err=True)
        raise typer.Exit(EXIT_BAD_INPUT) from exc
    except ValidationError as exc:
        fields = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'campaign'}: {e['msg']}" for e in exc.errors())
        typer.echo(f"error: invalid campaign: {fields}", err=True)
        raise typer.Exit(EXIT_BAD_INPUT) from exc
    det = _load_detector(model, rules_only, unmasked)
    try:
        verdict = det.check_campaign(campaign)
    except ValueError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(EXIT_BAD_INPUT) from exc
    typer.echo(verdict.model_dump_json())
    raise typer.Exit(EXIT_CODES[verdict.decision])


@app.command()
def audit(
    inputs: Annotated[list[Path], typer.Argument(help="Chat logs: JSONL/CSV/Parquet, gzip ok.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output directory.")] = Path("audit-out"),
    fmt: Annotated[
        str | None, typer.Option("--format", help="jsonl | csv | parquet (default: by extension).")
    ] = None,
    maps: Annotated[
        list[str] | None, typer.Option("--map", help="Column names: text=body,seller_id=shop")
    ] = None,
    bulk_min: Annotated[int, typer.Option("--bulk-min", min=2, help="Customers making a bulk push.")] = 20,
    resume: Annotated[bool, typer.Option("--resume", help="Continue an interrupted audit in --out.")] = False,
    engine: Annotated[str, typer.Option("--engine", help="local (joblib) or dask.")] = "local",
    scheduler: Annotated[str | None, typer.Option("--scheduler", help="Dask scheduler address.")] = None,
    jobs: Annotated[int, typer.Option("--jobs", "-j", help="Worker processes (-1 = all cores).")] = -1,
    chunk_size: Annotated[int, typer.Option("--chunk-size", min=1, help="Rows per checkpoint.")] = 2000,
    model: Annotated[
        Path | None, typer.Option("--model", help="A model folder (default: newest shipped).")
    ] = None,
    rules_only: Annotated[bool, typer.Option("--rules-only", help="Skip the classifier.")] = False,
    keep_work: Annotated[bool, typer.Option("--keep-work", help="Keep the checkpoint directory.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Audit chat logs: per-seller report, findings, bulk-push clusters (see detector/audit)."""
    from detector.audit.command import run_cli

    raise typer.Exit(
        run_cli(
            inputs,
            out,
            fmt,
            maps,
            bulk_min,
            resume,
            engine,
            scheduler,
            jobs,
            chunk_size,
            model,
            rules_only,
            keep_work,
            quiet,
        )
    )


@app.command()
def serve(
    host: Annotated[str, typer.Option("--host", help="Interface to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=0, max=65535, help="TCP port.")] = 8000,
    workers: Annotated[int, typer.Option("--workers", min=1, help="Worker processes (one model each).")] = 1,
    log_level: Annotated[str, typer.Option("--log-level", help="uvicorn log level.")] = "info",
) -> None:
    """Run the HTTP API under uvicorn (needs the [service] extra); settings from OUTREACH_GUARD_* vars."""
    try:
        from service.server import run as run_server  # lazy: the service is an optional extra
    except ImportError as exc:
        typer.echo(
            f"error: the service extra is not installed ({exc.name}): pip install 'outreach-guard[service]'",
            err=True,
        )
        raise typer.Exit(EXIT_USAGE) from exc
    run_server(host=host, port=port, workers=workers, log_level=log_level)


@app.command()
def evaluate(
    file: Annotated[Path, typer.Argument(help="JSONL with `text` and `labels` (and optional `lang`, `id`).")],
    json_out: Annotated[Path | None, typer.Option("--json", help="Write the report as JSON here.")] = None,
    plots: Annotated[
        Path | None, typer.Option("--plots", help="Write PR-curve and per-language PNGs here.")
    ] = None,
    model: Annotated[
        Path | None, typer.Option("--model", help="A model folder (default: newest shipped).")
    ] = None,
    rules_only: Annotated[bool, typer.Option("--rules-only", help="Evaluate the rules alone.")] = False,
) -> None:
    """Per-label precision/recall/F1, per-language macro-F1, compliant false-positive rate, worst errors."""
    from detector.evaluation import evaluate as run_evaluation
    from detector.evaluation import read_jsonl

    try:
        rows, rejects = read_jsonl(file)
    except OSError as exc:
        typer.echo(f"error: cannot read {file}: {exc}", err=True)
        raise typer.Exit(EXIT_BAD_INPUT) from exc
    for r in rejects:
        typer.echo(f"skipped line {r['line']}: {r['reason']}", err=True)
    if not rows:
        typer.echo("error: no valid rows to evaluate", err=True)
        raise typer.Exit(EXIT_BAD_INPUT)
    det = _load_detector(model, rules_only, unmasked=False)
    report = run_evaluation(det, rows)
    typer.echo(report.table())
    typer.echo("worst errors:")
    for e in report.worst_errors[:5]:
        typer.echo(f"  [{e['lang']}] expected {e['expected']} got {e['predicted']}: {e['text'][:100]!r}")
    if json_out is not None:
        report.to_json(json_out)
        typer.echo(f"wrote {json_out}")
    if plots is not None:
        for path in report.plots(plots):
            typer.echo(f"wrote {path}")


def run() -> None:
    """Console entry point: click's usage errors exit 64 (not 2, which means block here)."""
    from typer.exceptions import TyperException

    try:
        code = app(standalone_mode=False)
    except typer.Abort:
        sys.exit(130)
    except TyperException as exc:  # usage errors: unknown option, missing argument, bad value
        show = getattr(exc, "show", None)
        if show is not None:
            show()
        sys.exit(EXIT_USAGE)
    sys.exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":
    run()
