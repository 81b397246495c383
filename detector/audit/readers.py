"""Streaming readers for chat logs: JSONL, CSV and Parquet (files or directories), gzip accepted.

Each reader yields `RawRecord`s one at a time (bounded memory): the decoded row, or the reason it could not be
decoded. Text is decoded with errors="surrogateescape": a row with bad bytes is rejected, not the file.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

FORMATS: tuple[str, ...] = ("jsonl", "csv", "parquet")
_EXT = {
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "jsonl",
    ".csv": "csv",
    ".parquet": "parquet",
    ".pq": "parquet",
}


@dataclass(slots=True)
class RawRecord:
    source: str
    line: int
    row: dict[str, Any] | None = None
    error: str | None = None


def detect_format(path: str | os.PathLike[str]) -> str:
    p = Path(path)
    if p.is_dir():
        return "parquet"
    suffixes = [s.lower() for s in p.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes = suffixes[:-1]
    fmt = _EXT.get(suffixes[-1]) if suffixes else None
    if fmt is None:
        raise ValueError(f"cannot tell the format of {p.name}: use --format jsonl|csv|parquet")
    return fmt


def _open_binary(path: Path) -> IO[bytes]:
    f = open(path, "rb")  # noqa: SIM115 - closed by the caller
    if f.read(2) == b"\x1f\x8b":
        f.seek(0)
        return gzip.GzipFile(fileobj=f, mode="rb")  # type: ignore[return-value]
    f.seek(0)
    return f


def parquet_files(path: str | os.PathLike[str]) -> list[Path]:
    """A Parquet file, or a directory's *.parquet files in sorted order (the order both engines use)."""
    p = Path(path)
    if p.is_dir():
        return sorted(q for q in p.rglob("*.parquet") if q.is_file())
    return [p]


def iter_jsonl(path: Path) -> Iterator[RawRecord]:
    src = str(path)
    with _open_binary(path) as f:
        for lineno, raw in enumerate(f, start=1):
            if not raw.strip():
                continue
            line = raw.decode("utf-8", errors="surrogateescape")
            try:
                row = json.loads(line)
            except (json.JSONDecodeError, RecursionError) as e:
                yield RawRecord(src, lineno, error=f"invalid JSON: {e.msg if hasattr(e, 'msg') else e}")
                continue
            if not isinstance(row, dict):
                yield RawRecord(
                    src, lineno, error=f"invalid row: JSON {type(row).__name__}, expected an object"
                )
                continue
            yield RawRecord(src, lineno, row=row)


def iter_csv(path: Path) -> Iterator[RawRecord]:
    src = str(path)
    with _open_binary(path) as fb:
        text = io.TextIOWrapper(fb, encoding="utf-8", errors="surrogateescape", newline="")
        reader = csv.reader(text)
        try:
            header = next(reader)
        except StopIteration:
            return
        header = [h.strip().lstrip("\ufeff") for h in header]
        prev = reader.line_num
        while True:
            start = prev + 1
            try:
                values = next(reader)
            except StopIteration:
                return
            except csv.Error as e:
                prev = reader.line_num
                yield RawRecord(src, start, error=f"invalid CSV: {e}")
                continue
            prev = reader.line_num
            if not values or (len(values) == 1 and not values[0].strip()):
                continue
            if len(values) != len(header):
                yield RawRecord(
                    src, start, error=f"invalid CSV: expected {len(header)} fields, got {len(values)}"
                )
                continue
            yield RawRecord(src, start, row=dict(zip(header, values, strict=True)))


def _decode(v: Any) -> Any:
    return v.decode("utf-8", errors="surrogateescape") if isinstance(v, bytes) else v


def iter_parquet(path: Path, batch_size: int = 8192) -> Iterator[RawRecord]:
    import pyarrow.parquet as pq

    for file in parquet_files(path):
        src = str(file)
        pf = pq.ParquetFile(file)
        n = 0
        for batch in pf.iter_batches(batch_size=batch_size):
            for row in batch.to_pylist():
                n += 1
                yield RawRecord(src, n, row={k: _decode(v) for k, v in row.items()})


def iter_records(paths: list[str | os.PathLike[str]], fmt: str | None = None) -> Iterator[RawRecord]:
    """All records of all inputs, in order."""
    for path in paths:
        p = Path(path)
        kind = fmt or detect_format(p)
        if kind == "jsonl":
            yield from iter_jsonl(p)
        elif kind == "csv":
            yield from iter_csv(p)
        elif kind == "parquet":
            yield from iter_parquet(p)
        else:
            raise ValueError(f"unknown format {kind!r}: use one of {', '.join(FORMATS)}")


def input_size(paths: list[str | os.PathLike[str]]) -> int:
    """Total bytes on disk of the inputs (for the progress bar's ETA)."""
    total = 0
    for path in paths:
        p = Path(path)
        files = p.rglob("*") if p.is_dir() else [p]
        total += sum(f.stat().st_size for f in files if f.is_file())
    return total
