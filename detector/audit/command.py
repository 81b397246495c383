"""`outreach-guard audit`: argument handling behind the small command in detector/cli.py."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

EXIT_OK, EXIT_USAGE, EXIT_BAD_INPUT, EXIT_INTERRUPTED = 0, 64, 65, 130


def run_cli(
    inputs: list[Path],
    out: Path,
    fmt: str | None,
    maps: list[str] | None,
    bulk_min: int,
    resume: bool,
    engine: str,
    scheduler: str | None,
    jobs: int,
    chunk_size: int,
    model: Path | None,
    rules_only: bool,
    keep_work: bool,
    quiet: bool,
) -> int:
    """Run an audit; prints the summary's headline numbers as JSON; returns the exit code."""
    from .config import AuditConfig
    from .pipeline import run_audit
    from .readers import FORMATS
    from .schema import parse_map

    def fail(code: int, msg: str) -> int:
        print(f"error: {msg}", file=sys.stderr)
        return code

    if fmt is not None and fmt not in FORMATS:
        return fail(EXIT_USAGE, f"--format must be one of {', '.join(FORMATS)}")
    if engine not in ("local", "dask"):
        return fail(EXIT_USAGE, "--engine must be local or dask")
    missing = [str(p) for p in inputs if not p.exists()]
    if missing:
        return fail(EXIT_BAD_INPUT, f"input not found: {', '.join(missing)}")
    try:
        mapping = parse_map(maps)
    except ValueError as e:
        return fail(EXIT_USAGE, str(e))
    options: dict[str, Any] = {"use_model": False} if rules_only else {}
    if model is not None:
        options["path"] = str(model)
    cfg = AuditConfig(
        inputs=[str(p) for p in inputs],
        out=str(out),
        fmt=fmt,
        column_map=mapping,
        bulk_min=bulk_min,
        resume=resume,
        engine=engine,
        scheduler=scheduler,
        jobs=jobs,
        chunk_size=chunk_size,
        detector_options=options,
        progress=not quiet,
        keep_work=keep_work,
    )
    try:
        summary = run_audit(cfg)
    except KeyboardInterrupt:
        return fail(
            EXIT_INTERRUPTED, f"interrupted; finished chunks are kept, rerun with --resume --out {out}"
        )
    except (ValueError, OSError) as e:
        return fail(EXIT_BAD_INPUT, str(e))
    keys = ("rows_read", "scored", "skipped", "rejected", "flagged", "sellers", "promotional_clusters")
    print(json.dumps({"out": str(out), **{k: summary[k] for k in keys}, "timings_s": summary["timings_s"]}))
    return EXIT_OK
