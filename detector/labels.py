"""The seven policy labels (the contract, from POLICY.md) and the languages we cover."""

from __future__ import annotations

LABELS: tuple[str, ...] = (
    "group_invite",
    "offplatform_contact",
    "bulk_marketing",
    "unsolicited_shipment",
    "third_party_sharing",
    "data_retention",
    "data_leak",
)

# The policy rule (1-5) each label breaks; data_leak breaks rules 2 and 5, reported as 2.
POLICY_RULE: dict[str, int] = {
    "group_invite": 1,
    "offplatform_contact": 1,
    "bulk_marketing": 1,
    "unsolicited_shipment": 1,
    "third_party_sharing": 3,
    "data_retention": 4,
    "data_leak": 2,
}

LANGUAGES: tuple[str, ...] = ("en", "zh-Hans", "zh-Hant", "ms", "id", "th", "vi", "tl")

DECISIONS: tuple[str, ...] = ("allow", "review", "block")
