"""Synthetic seller-customer chat log for audits and benchmarks.

    python -m training.chatlog --messages 20000 --out chats.jsonl.gz [--seed 7] [--sellers 60] [--corpus PATH]

Dozens of sellers in several languages; most are honest (order updates, many near-identical across customers),
a few are bulk pushers (one promotional template with per-customer slots sent to many past customers at once)
and a few are group inviters (an invite link in their conversations and in a burst). Customers ask, reply and
sometimes give their phone. Written day by day in time order (bounded memory at any size). The ground truth
(seller roles) goes to `<out>.truth.json`. Honest sellers' wording may be sampled from the labelled corpus
(`training/data/corpus.jsonl`: rows with no labels; inviters also use its group invitations) when it is there.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import string
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import yaml

from detector.audit.schema import FIELDS

TEMPLATES = Path(__file__).with_name("chatlog_templates.yaml")
DEFAULT_CORPUS = Path(__file__).parent / "data" / "corpus.jsonl"
LANG_WEIGHTS = {"en": 30, "ms": 12, "id": 14, "th": 10, "vi": 10, "tl": 8, "zh-Hans": 10, "zh-Hant": 6}
COURIERS = ["J&T", "Ninja Van", "Flash Express", "GHN", "LBC", "SF Express", "Pos Laju", "JNE"]
SHOPS = ["TrendyMart", "GadgetHub", "BeautyBox", "HomeNest", "KidsJoy"]
APPS = {
    "whatsapp": "https://chat.whatsapp.com/{k}",
    "line": "https://line.me/R/ti/g/{k}",
    "ไลน์": "line.me/R/ti/g/{k}",
    "telegram": "https://t.me/+{k}",
    "zalo": "https://zalo.me/g/{k}",
    "facebook": "https://www.facebook.com/groups/{k}",
    "微信": "weixin.qq.com/g/{k}",
}
PHONE_FMT = {
    "en": "+65 9{d3} {d4}",
    "ms": "01{d1}-{d3} {d4}",
    "id": "0812-{d4}-{d4}",
    "th": "08{d1}-{d3}-{d4}",
    "vi": "09{d1} {d3} {d4}",
    "tl": "0917 {d3} {d4}",
    "zh-Hans": "138 {d4} {d4}",
    "zh-Hant": "0912-{d3}-{d3b}",
}


@dataclass
class Seller:
    seller_id: str
    lang: str
    role: str  # honest | pusher | inviter
    links: dict[str, str] = field(default_factory=dict)
    past_customers: list[str] = field(default_factory=list)


def _code(rng: random.Random, n: int = 6) -> str:
    return "".join(rng.choices(string.ascii_uppercase + string.digits, k=n))


def _digits(rng: random.Random, n: int) -> str:
    return "".join(rng.choices(string.digits, k=n))


class ChatLogGenerator:
    def __init__(
        self,
        messages: int,
        seed: int = 7,
        sellers: int = 60,
        pushers: int = 3,
        inviters: int = 3,
        days: int = 14,
        start: str = "2026-10-01",
        corpus: Path | None = None,
    ) -> None:
        self.n = messages
        self.rng = random.Random(seed)
        self.t = yaml.safe_load(TEMPLATES.read_text(encoding="utf-8"))
        self.days = days
        self.start = datetime.fromisoformat(start).replace(tzinfo=timezone.utc)
        langs = list(LANG_WEIGHTS)
        roles = (
            ["pusher"] * pushers + ["inviter"] * inviters + ["honest"] * max(0, sellers - pushers - inviters)
        )
        self.rng.shuffle(roles)  # bad sellers hidden among honest ones
        self.sellers: list[Seller] = []
        for i, role in enumerate(roles):
            lang = self.rng.choices(langs, weights=list(LANG_WEIGHTS.values()))[0]
            links = {app: fmt.format(k=_code(self.rng, 10)) for app, fmt in APPS.items()}
            self.sellers.append(Seller(f"S{i + 1:04d}", lang, role, links))
        self.customers = [f"C{i + 1:06d}" for i in range(max(200, messages // 4))]
        self.corpus = self._load_corpus(corpus)
        self._conv = 0
        self._msg = 0
        # bursts: each pusher/inviter pushes to `burst` customers on two days
        self.burst = max(30, messages // 700)

    def _load_corpus(self, path: Path | None) -> dict[str, list[str]]:
        """Compliant wording per language (`lang`), and group invitations (`lang:invite`), from the corpus."""
        out: dict[str, list[str]] = {}
        if path is None or not path.exists():
            return out
        with open(path, encoding="utf-8") as f:
            for line in f:
                row = json.loads(line)
                text, labels = row.get("text"), row.get("labels") or []
                if not isinstance(text, str) or len(text) > 400:
                    continue
                if not labels:
                    out.setdefault(row.get("lang", "en"), []).append(text)
                elif labels == ["group_invite"]:
                    out.setdefault(f"{row.get('lang', 'en')}:invite", []).append(text)
        return out

    def truth(self) -> dict[str, Any]:
        roles: dict[str, list[str]] = {"honest": [], "pusher": [], "inviter": []}
        for s in self.sellers:
            roles[s.role].append(s.seller_id)
        return {"messages": self.n, "roles": roles, "languages": {s.seller_id: s.lang for s in self.sellers}}

    # -- filling slots ----------------------------------------------------------------------------------
    def _slots(self, seller: Seller, lang: str, day: datetime) -> dict[str, str]:
        r = self.rng
        phone = PHONE_FMT[lang].format(
            d1=_digits(r, 1), d3=_digits(r, 3), d3b=_digits(r, 3), d4=_digits(r, 4)
        )
        return {
            "name": r.choice(self.t[lang]["names"]),
            "order": f"{r.choice(['', 'OD', '#'])}{_digits(r, 10)}",
            "trk": f"{r.choice(['JT', 'NV', 'TH', 'SPX'])}{_digits(r, 11)}",
            "courier": r.choice(COURIERS),
            "code": _code(r),
            "pct": str(r.choice([10, 15, 20, 30, 50])),
            "amount": str(r.randint(5, 200)),
            "day": (day + timedelta(days=r.randint(1, 5))).strftime("%d/%m"),
            "shop": SHOPS[int(seller.seller_id[1:]) % len(SHOPS)],
            "phone": phone,
            "link": "",
        }

    def _fill(self, template: str, slots: dict[str, str], seller: Seller) -> str:
        if "{link}" in template:
            low = template.lower()
            app = next((a for a in APPS if a in low), "whatsapp")
            slots = {**slots, "link": seller.links[app]}
        return template.format(**slots)

    def _row(
        self,
        conv: str,
        seller: Seller,
        customer: str,
        sender: str,
        at: datetime,
        text: str,
        order: str | None,
    ) -> dict[str, Any]:
        self._msg += 1
        return {
            "conversation_id": conv,
            "message_id": f"M{self._msg:09d}",
            "seller_id": seller.seller_id,
            "customer_id": customer,
            "sender": sender,
            "sent_at": at.strftime("%Y-%m-%dT%H:%M:%S+00:00"),
            "text": text,
            "order_id": order,
        }

    # -- a normal conversation ----------------------------------------------------------------------------
    def _conversation(self, seller: Seller, day: datetime) -> list[dict[str, Any]]:
        r = self.rng
        lang = seller.lang if r.random() < 0.85 else r.choice(list(LANG_WEIGHTS))
        t = self.t[lang]
        customer = r.choice(self.customers)
        self._conv += 1
        conv = f"V{self._conv:08d}"
        at = day + timedelta(seconds=r.randint(0, 86_000))
        slots = self._slots(seller, lang, day)
        order = slots["order"].lstrip("#")
        rows = [self._row(conv, seller, customer, "customer", at, r.choice(t["question"]), order)]
        gave_phone = False
        for _ in range(r.randint(1, 4)):
            at += timedelta(seconds=r.randint(20, 3_600))
            if not gave_phone and r.random() < 0.2:
                rows.append(
                    self._row(
                        conv, seller, customer, "customer", at, r.choice(t["phone"]).format(**slots), order
                    )
                )
                gave_phone = True
                at += timedelta(seconds=r.randint(20, 600))
            pool = [u for u in t["update"] if "{phone}" not in u or gave_phone]
            text = self._fill(r.choice(pool), slots, seller)
            if self.corpus.get(lang) and r.random() < 0.15:
                text = r.choice(self.corpus[lang])
            if seller.role == "inviter" and r.random() < 0.25:
                corpus_invites = self.corpus.get(f"{lang}:invite")
                if corpus_invites and r.random() < 0.5:
                    text = r.choice(corpus_invites)
                else:
                    text = self._fill(r.choice(t["invite"]), slots, seller)
            rows.append(self._row(conv, seller, customer, "seller", at, text, order))
            if r.random() < 0.5:
                at += timedelta(seconds=r.randint(20, 3_600))
                rows.append(self._row(conv, seller, customer, "customer", at, r.choice(t["reply"]), order))
        if len(seller.past_customers) < 5_000:
            seller.past_customers.append(customer)
        return rows

    # -- a bulk push: one template, many past customers, within hours ---------------------------------------
    def _burst(self, seller: Seller, day: datetime) -> list[dict[str, Any]]:
        r = self.rng
        t = self.t[seller.lang]
        kind = "promo" if seller.role == "pusher" else "invite"
        template = t[kind][0]
        pool = list(dict.fromkeys(seller.past_customers)) or self.customers
        targets = list(dict.fromkeys(pool + r.sample(self.customers, min(len(self.customers), self.burst))))
        at = day + timedelta(hours=r.randint(8, 14))
        rows = []
        for customer in targets[: self.burst]:
            at += timedelta(seconds=r.randint(5, 90))
            self._conv += 1
            slots = self._slots(seller, seller.lang, day)
            rows.append(
                self._row(
                    f"V{self._conv:08d}",
                    seller,
                    customer,
                    "seller",
                    at,
                    self._fill(template, slots, seller),
                    None,
                )
            )
        return rows

    def days_rows(self) -> Iterator[list[dict[str, Any]]]:
        """Each day's rows in time order."""
        bad = [s for s in self.sellers if s.role != "honest"]
        burst_days = {s.seller_id: self.rng.sample(range(2, self.days), k=min(2, self.days - 2)) for s in bad}
        produced = 0
        for d in range(self.days):
            day = self.start + timedelta(days=d)
            budget = (self.n * (d + 1)) // self.days - produced
            rows: list[dict[str, Any]] = []
            for s in bad:
                if d in burst_days[s.seller_id]:
                    rows.extend(self._burst(s, day))
            while len(rows) < budget:
                rows.extend(self._conversation(self.rng.choice(self.sellers), day))
            rows = rows[:budget]
            rows.sort(key=lambda row: row["sent_at"])
            produced += len(rows)
            yield rows


def write_chatlog(out: str | Path, messages: int, **kwargs: Any) -> dict[str, Any]:
    """Write a chat log (.jsonl[.gz], .csv[.gz] or .parquet) and its `.truth.json`; returns the truth."""
    out = Path(out)
    gen = ChatLogGenerator(messages, **kwargs)
    name = out.name.lower()
    if name.endswith(".parquet"):
        import pyarrow as pa
        import pyarrow.parquet as pq

        writer = None
        for rows in gen.days_rows():
            table = pa.Table.from_pylist(rows)
            writer = writer or pq.ParquetWriter(out, table.schema)
            writer.write_table(table)
        if writer:
            writer.close()
    else:
        opener = gzip.open if name.endswith(".gz") else open
        is_csv = ".csv" in name
        with opener(out, "wt", encoding="utf-8", newline="") as f:
            if is_csv:
                import csv

                w = csv.DictWriter(
                    f,
                    fieldnames=list(FIELDS),
                )
                w.writeheader()
            for rows in gen.days_rows():
                for row in rows:
                    if is_csv:
                        w.writerow(row)
                    else:
                        f.write(json.dumps(row, ensure_ascii=False) + "\n")
    truth = gen.truth()
    Path(str(out) + ".truth.json").write_text(json.dumps(truth, indent=1))
    return truth


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m training.chatlog", description=__doc__.split("\n\n")[0])
    ap.add_argument("--messages", type=int, default=20_000)
    ap.add_argument("--out", required=True, help="FILE.jsonl[.gz], FILE.csv[.gz] or FILE.parquet")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--sellers", type=int, default=60)
    ap.add_argument("--pushers", type=int, default=3)
    ap.add_argument("--inviters", type=int, default=3)
    ap.add_argument("--days", type=int, default=14)
    ap.add_argument(
        "--corpus", default=str(DEFAULT_CORPUS), help="labelled corpus to sample honest wording from"
    )
    ap.add_argument("--no-corpus", action="store_true", help="templates only")
    a = ap.parse_args(argv)
    corpus = None if a.no_corpus else Path(a.corpus)
    truth = write_chatlog(
        a.out,
        a.messages,
        seed=a.seed,
        sellers=a.sellers,
        pushers=a.pushers,
        inviters=a.inviters,
        days=a.days,
        corpus=corpus,
    )
    print(
        json.dumps(
            {"out": a.out, "messages": a.messages, "roles": {k: len(v) for k, v in truth["roles"].items()}}
        )
    )


if __name__ == "__main__":
    main()
