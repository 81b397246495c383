"""POST /v1/campaigns/check: the library judges text and facts; the service only exposes it."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request

from detector.verdict import Verdict

from ..deps import ApiKeyDep, DetectorDep, MetricsDep, SettingsDep
from ..schemas import ERROR_RESPONSES, CampaignCheckRequest

router = APIRouter(prefix="/v1/campaigns", tags=["campaigns"], dependencies=[ApiKeyDep],
                   responses=ERROR_RESPONSES)


@router.post("/check", response_model=Verdict, summary="Check a campaign on its text and its facts")
def check_campaign(body: CampaignCheckRequest, request: Request, det: DetectorDep, settings: SettingsDep,
                   metrics: MetricsDep) -> Verdict:
    c = body.campaign
    size = len(c.body) + len(c.subject or "")
    if size > settings.max_text_chars:
        raise HTTPException(413, f"campaign subject + body have {size} characters; "
                                 f"the limit is {settings.max_text_chars}")
    try:
        verdict = det.check_campaign(c)
    except ValueError as exc:
        raise HTTPException(422, f"campaign text rejected by the detector: {exc}") from None
    request.state.decision = verdict.decision
    request.state.labels = verdict.label_names()
    metrics.observe_verdicts("campaign", [verdict])
    return verdict
