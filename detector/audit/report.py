"""report.html: one self-contained page (inline CSS, JS and SVG charts; no external requests)."""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

import jinja2

from detector.labels import LABELS

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


def highlight(text: str, labels: list[dict[str, Any]]) -> str:
    """The (already PII-masked) text as HTML with evidence spans in <mark>; spans past its end ignored."""
    spans = sorted(
        (e["start"], e["end"], lr["label"])
        for lr in labels
        for e in lr.get("evidence", ())
        if e.get("start") is not None and e.get("end") is not None and e["end"] <= len(text)
    )
    out, pos = [], 0
    for start, end, label in spans:
        if start < pos:
            continue
        out.append(html.escape(text[pos:start]))
        out.append(f'<mark title="{html.escape(label)}">{html.escape(text[start:end])}</mark>')
        pos = end
    out.append(html.escape(text[pos:]))
    return "".join(out)


def render_report(
    path: Path,
    summary: dict[str, Any],
    sellers: list[dict[str, Any]],
    clusters: list[dict[str, Any]],
    examples: dict[str, list[dict[str, Any]]],
) -> None:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True, undefined=jinja2.StrictUndefined
    )
    worst = [s["seller_id"] for s in sellers if s["flagged"]][:25]
    shown = [
        {
            "seller_id": sid,
            "items": [
                {
                    "message_id": r["m"],
                    "sent_at": r["t"],
                    "decision": r["d"],
                    "labels": sorted(
                        {lr["label"] for lr in r.get("labels", ()) if lr["decision"] != "allow"}
                    ),
                    "html": highlight(r.get("x", ""), r.get("labels", [])),
                }
                for r in examples.get(sid, [])
            ],
        }
        for sid in worst
    ]
    columns = [
        "seller_id",
        "risk_score",
        "penalty_points",
        "consequence",
        "messages",
        "flagged",
        "blocked",
        "violations_per_1000",
        "bulk_clusters",
        *LABELS,
        "top_language",
        "first_seen",
        "last_seen",
    ]
    table = [{c: s.get(c) for c in columns} for s in sellers]
    page = env.get_template("report.html.j2").render(
        summary=summary,
        columns=columns,
        sellers=table,
        clusters=sorted(clusters, key=lambda c: (not c["promotional"], -c["customers"]))[:50],
        examples=shown,
    )
    path.write_text(page, encoding="utf-8")
