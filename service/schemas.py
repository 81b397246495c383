"""Request and response bodies of the API. Verdict, Context and Campaign come from the library."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from detector.campaign import Campaign
from detector.labels import LANGUAGES
from detector.verdict import Context, Verdict

Lang = Literal[LANGUAGES]  # type: ignore[valid-type]


class MessageCheckRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{
            "text": "Kak, gabung grup WA kami ya: chat.whatsapp.com/Hx7Kq2",
            "lang": "id",
            "context": {"recipient": {"name": "Siti", "phone": "+62 812 5550 1234"}, "channel": "chat",
                        "order_id": "ORD-1001"},
        }]},
    )

    text: str = Field(..., description="the message; longer than MAX_TEXT_CHARS (default 20,000) gets 413")
    lang: Lang | None = Field(None, description="language hint; detected when absent")
    context: Context | None = Field(None, description="the recipient's own details, channel, order id")


class BatchCheckRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"messages": [
            {"text": "Your parcel ORD-1001 has shipped and arrives Friday."},
            {"text": "Add my LINE id: shop88 for 10% off next time"},
        ]}]},
    )

    messages: list[MessageCheckRequest] = Field(
        ..., description="at most MAX_BATCH (default 1,000) messages; more gets 413")


class BatchCheckResponse(BaseModel):
    count: int = Field(..., ge=0)
    verdicts: list[Verdict] = Field(..., description="one verdict per message, in request order")


class CampaignCheckRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"campaign": {
            "seller_id": "shop-123", "channel": "email", "subject": "Year-end sale",
            "body": "Hi! Everything is 50% off this week only. Shop now!", "recipient_count": 12000,
            "audience": "past_buyers", "customer_consent": False, "platform_approved": False,
            "ships_items": [{"sku": "SAMPLE-01", "ordered": False}],
        }}]},
    )

    campaign: Campaign


class ErrorResponse(BaseModel):
    error: str = Field(..., description="machine-readable code, e.g. payload_too_large")
    message: str = Field(..., description="what went wrong, for people")
    request_id: str | None = None


class FieldError(BaseModel):
    field: str = Field(..., description="dotted path of the offending field, e.g. body.campaign.channel")
    loc: list[str | int]
    msg: str
    type: str


class ValidationErrorResponse(BaseModel):
    error: Literal["validation_error"] = "validation_error"
    message: str
    detail: list[FieldError]
    request_id: str | None = None


class HealthResponse(BaseModel):
    status: Literal["ok"] = "ok"


class ReadyResponse(BaseModel):
    status: Literal["ready"] = "ready"
    detector_version: str


class ModelResponse(BaseModel):
    detector_version: str
    model_card: dict[str, Any] | None = Field(None, description="the model's card; null when rules only")


class RulesResponse(BaseModel):
    count: int = Field(..., ge=0)
    rules: list[dict[str, Any]]


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorResponse, "description": "missing or invalid X-API-Key (when keys are configured)"},
    413: {"model": ErrorResponse, "description": "text, batch or body too large"},
    415: {"model": ErrorResponse, "description": "the body must be application/json"},
    422: {"model": ValidationErrorResponse, "description": "invalid body; `detail` names each field"},
}
GET_RESPONSES: dict[int | str, dict[str, Any]] = {401: ERROR_RESPONSES[401]}
