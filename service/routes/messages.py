"""POST /v1/messages/check and /v1/messages/check-batch. Plain `def`: scoring runs in the thread pool."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request

from detector.verdict import Verdict

from ..deps import ApiKeyDep, DetectorDep, MetricsDep, SettingsDep
from ..schemas import ERROR_RESPONSES, BatchCheckRequest, BatchCheckResponse, MessageCheckRequest
from ..settings import Settings

router = APIRouter(prefix="/v1/messages", tags=["messages"], dependencies=[ApiKeyDep],
                   responses=ERROR_RESPONSES)


def _check_size(text: str, settings: Settings, where: str = "text") -> None:
    if len(text) > settings.max_text_chars:
        raise HTTPException(413, f"{where} has {len(text)} characters; "
                                 f"the limit is {settings.max_text_chars}")


def _score_one(det, msg: MessageCheckRequest) -> Verdict:
    try:
        return det.check(msg.text, msg.context, lang=msg.lang)
    except ValueError as exc:
        raise HTTPException(422, f"text rejected by the detector: {exc}") from None


@router.post("/check", response_model=Verdict, summary="Check one message")
def check_message(body: MessageCheckRequest, request: Request, det: DetectorDep, settings: SettingsDep,
                  metrics: MetricsDep) -> Verdict:
    _check_size(body.text, settings)
    verdict = _score_one(det, body)
    request.state.decision = verdict.decision
    request.state.labels = verdict.label_names()
    metrics.observe_verdicts("check", [verdict])
    return verdict


@router.post("/check-batch", response_model=BatchCheckResponse, summary="Check up to MAX_BATCH messages")
def check_batch(body: BatchCheckRequest, request: Request, det: DetectorDep, settings: SettingsDep,
                metrics: MetricsDep) -> BatchCheckResponse:
    msgs = body.messages
    if len(msgs) > settings.max_batch:
        raise HTTPException(413, f"batch has {len(msgs)} messages; the limit is {settings.max_batch}")
    for i, m in enumerate(msgs):
        _check_size(m.text, settings, where=f"messages[{i}].text")
    try:
        done = det.check_many([m.text for m in msgs], [m.context for m in msgs], langs=[m.lang for m in msgs])
    except ValueError as exc:
        raise HTTPException(422, f"a text was rejected by the detector: {exc}") from None
    request.state.n_messages = len(done)
    request.state.decisions = {d: sum(v.decision == d for v in done) for d in ("allow", "review", "block")}
    metrics.observe_verdicts("check-batch", done)
    return BatchCheckResponse(count=len(done), verdicts=done)
