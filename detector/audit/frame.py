"""`audit_frame(df)`: verdicts beside the rows of a pandas DataFrame (for notebooks)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .context import ConversationContext
from .schema import Message

if TYPE_CHECKING:
    import pandas as pd


def audit_frame(
    df: pd.DataFrame,
    *,
    text: str = "text",
    column_map: dict[str, str] | None = None,
    detector: Any = None,
    batch_size: int = 1000,
) -> pd.DataFrame:
    """A copy of `df` with `decision`, `labels`, `language`, `score` and `verdict` (the Verdict as a dict).

    `column_map` renames source columns to fields (`{"body": "text"}`). Rows whose `sender` is `customer` are
    context, not scored (their columns are empty), as in the audit; without a `sender` column all are scored.
    """
    import pandas as pd

    from .scoring import get_detector

    det = detector or get_detector()
    frame = df.rename(columns=column_map or {})
    texts = frame[text].tolist()
    senders = (
        frame["sender"].astype(str).str.lower().tolist() if "sender" in frame else ["seller"] * len(frame)
    )
    ctx = ConversationContext()
    has_conv = "conversation_id" in frame
    contexts: list[dict[str, Any] | None] = []
    for i, (t, s) in enumerate(zip(texts, senders, strict=True)):
        conv = str(frame["conversation_id"].iloc[i]) if has_conv else ""
        m = Message(conv, "", "", "", s, "", t if isinstance(t, str) else "", None, i, "")
        if s == "customer":
            ctx.observe(m)
            contexts.append(None)
        else:
            c = ctx.for_seller(m) if has_conv else {}
            if "order_id" in frame and isinstance(frame["order_id"].iloc[i], str):
                c["order_id"] = frame["order_id"].iloc[i]
            contexts.append(c)
    idx = [
        i for i, c in enumerate(contexts) if c is not None and isinstance(texts[i], str) and texts[i].strip()
    ]
    verdicts: dict[int, Any] = {}
    for start in range(0, len(idx), batch_size):
        part = idx[start : start + batch_size]
        for i, v in zip(
            part, det.check_many([texts[i] for i in part], [contexts[i] for i in part]), strict=True
        ):
            verdicts[i] = v
    out = df.copy()
    out["decision"] = [verdicts[i].decision if i in verdicts else None for i in range(len(df))]
    out["labels"] = [verdicts[i].label_names() if i in verdicts else None for i in range(len(df))]
    out["language"] = [verdicts[i].language if i in verdicts else None for i in range(len(df))]
    out["score"] = [
        max((lr.score for lr in verdicts[i].labels), default=0.0) if i in verdicts else None
        for i in range(len(df))
    ]
    out["verdict"] = [verdicts[i].model_dump(mode="json") if i in verdicts else None for i in range(len(df))]
    return pd.DataFrame(out)
