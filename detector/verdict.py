"""The public result types: what `Detector.check` returns and what `context` may carry."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from detector.labels import LABELS

Decision = Literal["allow", "review", "block"]
Label = Literal[LABELS]  # type: ignore[valid-type]  # the seven labels of detector/labels.py


class Recipient(BaseModel):
    """The recipient's own details: echoing them back is not a leak."""

    model_config = ConfigDict(extra="ignore")

    name: str | None = None
    phone: str | None = None
    email: str | None = None
    address: str | None = None


class Context(BaseModel):
    model_config = ConfigDict(extra="ignore")

    recipient: Recipient | None = None
    channel: str | None = None
    order_id: str | None = None


class Evidence(BaseModel):
    """One reason for a label: a span of the ORIGINAL text, or a fact (campaign metadata)."""

    start: int | None = Field(None, description="offset into the original text (None for facts)")
    end: int | None = Field(None, description="end offset (exclusive) into the original text")
    text: str = Field(..., description="the matched text, masked when it is personal data")
    rule_id: str | None = Field(None, description="the lexicon/pattern/fact rule that matched")
    model: str | None = Field(None, description="set when the evidence comes from the classifier")
    weight: float = Field(0.0, description="the rule's weight, or the n-gram's contribution")
    masked: bool = False
    negated: bool = Field(False, description="a negation/refusal cue weakened this hit")


class LabelResult(BaseModel):
    label: Label
    score: float = Field(..., ge=0.0, le=1.0, description="fused score")
    decision: Decision
    policy_rule: int = Field(..., ge=1, le=5)
    rule_score: float = Field(0.0, ge=0.0, le=1.0)
    model_score: float | None = Field(None, ge=0.0, le=1.0)
    evidence: list[Evidence] = Field(default_factory=list)


class Verdict(BaseModel):
    decision: Decision
    labels: list[LabelResult] = Field(default_factory=list)
    language: str
    detector_version: str

    def label_names(self) -> list[str]:
        return [lr.label for lr in self.labels]

    def get(self, label: str) -> LabelResult | None:
        return next((lr for lr in self.labels if lr.label == label), None)
