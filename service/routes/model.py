"""GET /v1/model (the model card) and GET /v1/rules (the loaded rules)."""

from __future__ import annotations

from fastapi import APIRouter

from ..deps import ApiKeyDep, DetectorDep
from ..schemas import GET_RESPONSES, ModelResponse, RulesResponse

router = APIRouter(prefix="/v1", tags=["model"], dependencies=[ApiKeyDep], responses=GET_RESPONSES)


@router.get("/model", response_model=ModelResponse, summary="The detector version and model card")
def get_model(det: DetectorDep) -> ModelResponse:
    return ModelResponse(detector_version=det.version, model_card=det.model_card)


@router.get("/rules", response_model=RulesResponse, summary="The loaded rules (id, label, weight, ...)")
def get_rules(det: DetectorDep) -> RulesResponse:
    rules = det.rules_summary()
    return RulesResponse(count=len(rules), rules=rules)
