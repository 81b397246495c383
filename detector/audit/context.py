"""Conversation context for seller messages: the customer's own details, taken from the customer's messages.

A seller echoing back the phone number or e-mail the customer gave in the same conversation is not a leak; the
Detector knows that when `context.recipient` carries those details. Bounded: least recently used conversations
are forgotten past `max_conversations`.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

import regex

from .schema import Message

_EMAIL = regex.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE = regex.compile(r"(?<!\w)\+?\d[\d\s().-]{6,}\d(?!\w)")


class ConversationContext:
    def __init__(self, max_conversations: int = 100_000):
        self.max = max_conversations
        self._seen: OrderedDict[str, dict[str, str]] = OrderedDict()

    def observe(self, m: Message) -> None:
        """Remember contact details a customer gave about themselves."""
        if m.sender != "customer":
            return
        found: dict[str, str] = {}
        if (e := _EMAIL.search(m.text)) is not None:
            found["email"] = e.group(0)
        if (p := _PHONE.search(m.text)) is not None:
            found["phone"] = p.group(0)
        if not found:
            return
        cur = self._seen.pop(m.conversation_id, {})
        cur.update(found)
        self._seen[m.conversation_id] = cur
        if len(self._seen) > self.max:
            self._seen.popitem(last=False)

    def for_seller(self, m: Message) -> dict[str, Any]:
        ctx: dict[str, Any] = {"channel": "chat"}
        if m.order_id:
            ctx["order_id"] = m.order_id
        rec = self._seen.get(m.conversation_id)
        if rec:
            ctx["recipient"] = dict(rec)
        return ctx
