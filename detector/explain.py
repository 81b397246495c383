"""`--explain`: a readable table of a verdict with the evidence highlighted in the message."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text

from detector.verdict import Verdict

_STYLE = {"allow": "green", "review": "yellow", "block": "bold red"}


def highlighted(text: str, verdict: Verdict) -> Text:
    """The message with every evidence span underlined in its decision's colour (masked spans masked)."""
    out = Text()
    spans = sorted(
        {
            (e.start, e.end, lr.decision, e.text if e.masked else None)
            for lr in verdict.labels
            for e in lr.evidence
            if e.start is not None
        },
        key=lambda s: (s[0], -s[1]),
    )
    pos = 0
    for start, end, decision, masked in spans:
        if start < pos:
            continue
        out.append(text[pos:start])
        out.append(masked if masked is not None else text[start:end], style=f"{_STYLE[decision]} underline")
        pos = end
    out.append(text[pos:])
    return out


def render(text: str, verdict: Verdict, console: Console | None = None) -> None:
    console = console or Console(width=None if Console().is_terminal else 160)
    console.print(
        Text.assemble(
            ("decision: ", "bold"),
            (verdict.decision.upper(), _STYLE[verdict.decision]),
            f"   language: {verdict.language}   detector: {verdict.detector_version}",
        )
    )
    console.print(highlighted(text, verdict))
    if not verdict.labels:
        return
    table = Table(expand=False)
    for name in ("label", "rule", "decision", "score", "rules", "model"):
        table.add_column(name, no_wrap=True)
    table.add_column("evidence", overflow="fold")
    table.add_column("source", overflow="fold")
    for lr in verdict.labels:
        for i, e in enumerate(lr.evidence or [None]):
            first = i == 0
            table.add_row(
                lr.label if first else "",
                str(lr.policy_rule) if first else "",
                Text(lr.decision, style=_STYLE[lr.decision]) if first else "",
                f"{lr.score:.2f}" if first else "",
                f"{lr.rule_score:.2f}" if first else "",
                (f"{lr.model_score:.2f}" if lr.model_score is not None else "-") if first else "",
                "" if e is None else (e.text + (" (negated)" if e.negated else "")),
                "" if e is None else (e.rule_id or f"model {e.model}"),
            )
    console.print(table)
