"""Campaign checks: a campaign is judged on its text AND its facts (audience, consent, approval, items).

Facts can turn a polite text into a violation (a newsletter to past buyers without consent) and can clear
promotion that is allowed (consented and platform-approved marketing). Facts that decided come back as
`Evidence` with `start`/`end` None and a `fact.*` rule id, so callers see why.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from .labels import POLICY_RULE
from .verdict import Decision, Evidence, LabelResult, Verdict

if TYPE_CHECKING:  # the Detector imports this module; avoid the cycle at run time
    from .detector import Detector

Channel = Literal["email", "sms", "chat", "phone", "whatsapp", "line"]
Audience = Literal["order_buyers", "past_buyers", "all_customers", "imported_list"]

# Audiences that reach people beyond the orders being fulfilled: marketing territory (policy rule 1).
BROADCAST_AUDIENCES: frozenset[str] = frozenset({"past_buyers", "all_customers", "imported_list"})
# Channels that move the conversation onto the seller's own IM account (off the marketplace's chat).
OFFPLATFORM_CHANNELS: frozenset[str] = frozenset({"whatsapp", "line"})

AUDIENCE_NAMES: dict[str, str] = {
    "order_buyers": "buyers of the orders",
    "past_buyers": "past buyers",
    "all_customers": "all customers",
    "imported_list": "contacts on an imported list",
}

FACT_SCORE: dict[str, float] = {"block": 0.99, "review": 0.6}
_RANK: dict[str, int] = {"allow": 0, "review": 1, "block": 2}


class ShipItem(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sku: str = Field(..., min_length=1, max_length=200, description="the item's SKU")
    ordered: bool = Field(..., description="false when the customer did not order this item")


class Campaign(BaseModel):
    """A marketing or notification campaign, as a seller tool describes it before sending."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "seller_id": "shop-123",
                    "channel": "email",
                    "subject": "Year-end sale",
                    "body": "Hi! Everything is 50% off this week only. Shop now!",
                    "recipient_count": 12000,
                    "audience": "past_buyers",
                    "customer_consent": False,
                    "platform_approved": False,
                }
            ]
        },
    )

    seller_id: str = Field(..., min_length=1, max_length=200)
    channel: Channel
    subject: str | None = Field(None, description="e-mail subject or title, judged with the body")
    body: str = Field(..., description="the message text sent to every recipient")
    recipient_count: int = Field(..., ge=0, le=1_000_000_000)
    audience: Audience
    customer_consent: bool = Field(..., description="recipients opted in to this kind of message")
    platform_approved: bool = Field(..., description="the marketplace approved this campaign")
    order_ids: list[str] | None = Field(None, max_length=100_000, description="orders the campaign is about")
    ships_items: list[ShipItem] | None = Field(None, max_length=10_000, description="items shipped with it")


def campaign_text(campaign: Campaign) -> str:
    """The text that is scored; evidence offsets index into this string (subject, blank line, body)."""
    if campaign.subject:
        return f"{campaign.subject}\n\n{campaign.body}"
    return campaign.body


def _fact(label: str, decision: Decision, rule_id: str, text: str) -> LabelResult:
    score = FACT_SCORE[decision]
    ev = Evidence(start=None, end=None, text=text, rule_id=rule_id, weight=score)
    return LabelResult(
        label=label, score=score, decision=decision, policy_rule=POLICY_RULE[label], rule_score=score,
        evidence=[ev],
    )


def _count(n: int) -> str:
    return f"{n:,}"


def fact_findings(c: Campaign) -> tuple[list[LabelResult], bool]:
    """Labels decided by the campaign's facts alone, and whether promotion is cleared (consent + approval)."""
    found: list[LabelResult] = []
    who = f"{_count(c.recipient_count)} {AUDIENCE_NAMES[c.audience]}"
    broadcast = c.audience in BROADCAST_AUDIENCES and c.recipient_count > 0

    if broadcast and not c.customer_consent:
        found.append(_fact("bulk_marketing", "block", "fact.audience_without_consent",
                           f"sent to {who} without customer consent"))
    if broadcast and not c.platform_approved:
        found.append(_fact("bulk_marketing", "block", "fact.marketing_without_approval",
                           f"sent to {who} without platform approval"))
    if c.audience == "imported_list" and not c.customer_consent:
        found.append(_fact("data_retention", "block", "fact.imported_list_without_consent",
                           f"contacts {who}: customer data kept or re-used without consent"))
        found.append(_fact("third_party_sharing", "review", "fact.imported_list_provenance",
                           "the list's source is not the marketplace's orders: may come from a third party"))
    if c.audience == "order_buyers" and c.order_ids is not None and c.recipient_count > len(set(c.order_ids)):
        found.append(_fact("bulk_marketing", "review", "fact.recipients_exceed_orders",
                           f"sent to {_count(c.recipient_count)} recipients for "
                           f"{_count(len(set(c.order_ids)))} orders"))
    if c.channel in OFFPLATFORM_CHANNELS and not c.customer_consent and c.recipient_count > 0:
        found.append(_fact("offplatform_contact", "block", "fact.offplatform_channel_without_consent",
                           f"sent over {c.channel} to {who} without customer consent"))
    unordered = [it.sku for it in (c.ships_items or []) if not it.ordered]
    if unordered:
        shown = ", ".join(unordered[:5]) + (" ..." if len(unordered) > 5 else "")
        decision: Decision = "review" if c.customer_consent else "block"
        consent = "with" if c.customer_consent else "without"
        found.append(_fact("unsolicited_shipment", decision, "fact.unordered_items",
                           f"ships {len(unordered)} item(s) not ordered ({shown}) "
                           f"{consent} customer consent"))
    cleared = c.customer_consent and c.platform_approved
    return found, cleared


def _merge(a: LabelResult, b: LabelResult) -> LabelResult:
    """One label found by both text and facts: the stronger decision, the higher score, all evidence."""
    decision = a.decision if _RANK[a.decision] >= _RANK[b.decision] else b.decision
    return a.model_copy(update={
        "decision": decision,
        "score": max(a.score, b.score),
        "rule_score": max(a.rule_score, b.rule_score),
        "evidence": [*a.evidence, *b.evidence],
    })


def check_campaign(detector: Detector, campaign: Campaign | dict[str, Any], *,
                   mask_pii: bool | None = None) -> Verdict:
    """Judge a campaign on its text and its facts; returns one Verdict.

    `mask_pii` is passed to the detector when it is not None (the detector's own default otherwise).
    Raises pydantic.ValidationError for a malformed campaign and ValueError for unusable text.
    """
    c = campaign if isinstance(campaign, Campaign) else Campaign.model_validate(campaign)
    kwargs: dict[str, Any] = {} if mask_pii is None else {"mask_pii": mask_pii}
    text_verdict = detector.check(campaign_text(c), {"channel": c.channel}, **kwargs)
    facts, cleared = fact_findings(c)

    by_label: dict[str, LabelResult] = {}
    for lr in text_verdict.labels:
        if cleared and lr.label == "bulk_marketing":
            continue  # consented, platform-approved promotion is allowed (noted below)
        by_label[lr.label] = lr
    for lr in facts:
        by_label[lr.label] = _merge(by_label[lr.label], lr) if lr.label in by_label else lr

    labels = sorted(by_label.values(), key=lambda lr: (-_RANK[lr.decision], -lr.score, lr.label))
    decision: Decision = max((lr.decision for lr in labels), key=_RANK.__getitem__, default="allow")
    return Verdict(decision=decision, labels=labels, language=text_verdict.language,
                   detector_version=text_verdict.detector_version)
