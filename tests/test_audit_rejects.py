"""Bad rows of every kind land in rejects.jsonl with their line and reason; the audit goes on."""

from __future__ import annotations

import csv
import gzip
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from audit_util import audit, read_jsonl, row

from detector.audit.schema import parse_map


def _check_totals(summary: dict) -> None:
    assert summary["rows_read"] == summary["scored"] + summary["skipped"] + summary["rejected"]


def test_jsonl_bad_rows_are_rejected_with_line_and_reason(tmp_path: Path) -> None:
    good = json.dumps(row(1), ensure_ascii=False).encode()
    no_id = row(5)
    del no_id["message_id"]
    no_text = row(6)
    del no_text["text"]
    lines = [
        good,  # 1 ok
        b'{"conversation_id": "V1", "text": ',  # 2 invalid JSON
        b"[1, 2, 3]",  # 3 JSON but not an object
        json.dumps(row(4, text=12345)).encode(),  # 4 wrong type for text
        json.dumps(no_id).encode(),  # 5 missing id
        json.dumps(no_text).encode(),  # 6 missing text
        json.dumps(row(7, seller_id=["S1"])).encode(),  # 7 wrong type for an id
        json.dumps(row(8, sender="bot")).encode(),  # 8 bad sender
        json.dumps(row(9, sent_at="yesterday")).encode(),  # 9 bad timestamp
        json.dumps(row(10, text="PLACEHOLDER")).encode().replace(b"PLACEHOLDER", b"bad \xff\xfe bytes"),  # 10
        b"",  # blank line: not a row
        json.dumps(row(12, sender="customer", text="when will it arrive?")).encode(),  # 12 skipped
        json.dumps(row(13, text="   ")).encode(),  # 13 empty text: skipped
        json.dumps(row(14, text="x" * 200_001)).encode(),  # 14 longer than the detector accepts
        json.dumps(
            row(15, text="Join our WhatsApp group https://chat.whatsapp.com/AbC123xyZ")
        ).encode(),  # 15
    ]
    src = tmp_path / "log.jsonl"
    src.write_bytes(b"\n".join(lines) + b"\n")
    out = tmp_path / "out"
    summary = audit([src], out)
    rejects = {r["line"]: r["reason"] for r in read_jsonl(out / "rejects.jsonl")}
    assert set(rejects) == {2, 3, 4, 5, 6, 7, 8, 9, 10, 14}
    assert rejects[2].startswith("invalid JSON")
    assert "expected an object" in rejects[3]
    assert rejects[4] == "wrong type for text: int"
    assert rejects[5] == "missing message_id"
    assert rejects[6] == "missing text"
    assert rejects[7] == "wrong type for seller_id: list"
    assert rejects[8].startswith("bad sender")
    assert rejects[9].startswith("bad sent_at")
    assert rejects[10] == "undecodable bytes in text"
    assert rejects[14].startswith("detector refused the text")
    assert all(r["source"] == str(src) for r in read_jsonl(out / "rejects.jsonl"))
    # no message text in rejects
    assert "bytes" not in (out / "rejects.jsonl").read_text().replace("undecodable bytes", "")
    assert summary["rows_read"] == 14 and summary["rejected"] == 10 and summary["skipped"] == 2
    assert summary["scored"] == 2
    _check_totals(summary)
    flagged = read_jsonl(out / "findings.jsonl")
    assert [f["message_id"] for f in flagged] == ["M15"] and flagged[0]["line"] == 15


def test_duplicate_message_ids_are_rejected_once_scored(tmp_path: Path) -> None:
    invite = "Join our WhatsApp group https://chat.whatsapp.com/AbC123xyZ"
    rows = [
        row(1, text=invite),
        row(2),
        row(2, sender="customer", text="thanks"),  # 3: same id as line 2, a customer row this time
        row(1, text=invite),  # 4: the violation exported twice
        row(5, text=invite),
    ]
    src = tmp_path / "log.jsonl"
    src.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    out = tmp_path / "out"
    summary = audit([src], out, chunk_size=2)  # the copies sit in later chunks than the originals
    rejects = {r["line"]: r["reason"] for r in read_jsonl(out / "rejects.jsonl")}
    assert rejects == {
        3: "duplicate message_id 'M2': an earlier row has the same id",
        4: "duplicate message_id 'M1': an earlier row has the same id",
    }
    assert [f["message_id"] for f in read_jsonl(out / "findings.jsonl")] == ["M1", "M5"]
    assert summary["rejected"] == 2 and summary["scored"] == 3
    _check_totals(summary)


def test_csv_gzip_with_column_map_and_bad_rows(tmp_path: Path) -> None:
    src = tmp_path / "log.csv.gz"
    header = ["conv", "message_id", "shop", "customer_id", "sender", "sent_at", "body", "order_id"]
    with gzip.open(src, "wt", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        for i in range(1, 6):
            r = row(i)
            w.writerow(
                [
                    r["conversation_id"],
                    r["message_id"],
                    r["seller_id"],
                    r["customer_id"],
                    r["sender"],
                    r["sent_at"],
                    r["text"],
                    r["order_id"],
                ]
            )
        w.writerow(["V9", "M9", "S1", "C9", "seller"])  # line 7: too few fields
        w.writerow(
            [
                "V9",
                "M10",
                "S1",
                "C9",
                "seller",
                "2026-10-01T10:00:00Z",
                "two\nlines, WhatsApp me +60123456789",
                "",
            ]
        )
        w.writerow(["V9", "", "S1", "C9", "seller", "2026-10-01T10:00:00Z", "hi", ""])  # line 10: missing id
    with gzip.open(src, "ab") as f:
        f.write(b"V9,M11,S1,C9,seller,2026-10-01T10:00:00Z,caf\xe9 latte,O1\r\n")  # line 11: latin-1 byte
    out = tmp_path / "out"
    summary = audit([src], out, column_map=parse_map("conversation_id=conv,seller_id=shop,text=body"))
    rejects = {r["line"]: r["reason"] for r in read_jsonl(out / "rejects.jsonl")}
    assert rejects == {
        7: "invalid CSV: expected 8 fields, got 5",
        10: "missing message_id",
        11: "undecodable bytes in text",
    }
    assert summary["rows_read"] == 9 and summary["scored"] == 6
    _check_totals(summary)
    findings = read_jsonl(out / "findings.jsonl")
    assert [(f["message_id"], f["line"]) for f in findings] == [("M10", 8)]  # the record starts on line 8
    assert "+60123456789" not in findings[0]["text_masked"]  # PII masked in the example


def test_parquet_wrong_types_and_row_numbers(tmp_path: Path) -> None:
    rows = [row(i) for i in range(1, 5)]
    table = pa.table(
        {
            "conversation_id": [r["conversation_id"] for r in rows],
            "message_id": [r["message_id"] for r in rows],
            "seller_id": [r["seller_id"] for r in rows],
            "customer_id": [r["customer_id"] for r in rows],
            "sender": [r["sender"] for r in rows],
            "sent_at": [r["sent_at"] for r in rows[:3]] + [None],  # row 4: missing sent_at
            "text": [r["text"] for r in rows[:2]] + [None, rows[3]["text"]],  # row 3: missing text
            "order_id": [None] * 4,
        }
    )
    folder = tmp_path / "logs"
    folder.mkdir()
    pq.write_table(table, folder / "a.parquet")
    # a second file whose text column has the wrong type, and integer ids (accepted as strings)
    bad = table.set_column(6, "text", pa.array([1, 2, 3, 4], pa.int64()))
    bad = bad.set_column(1, "message_id", pa.array([11, 12, 13, 14], pa.int64()))
    pq.write_table(bad, folder / "b.parquet")
    out = tmp_path / "out"
    summary = audit([folder], out)
    rejects = {(Path(r["source"]).name, r["line"]): r["reason"] for r in read_jsonl(out / "rejects.jsonl")}
    assert rejects == {
        ("a.parquet", 3): "missing text",
        ("a.parquet", 4): "missing sent_at",
        **{("b.parquet", i): "wrong type for text: int" for i in (1, 2, 3, 4)},
    }
    assert summary["rows_read"] == 8 and summary["scored"] == 2
    _check_totals(summary)


def test_parse_map_rejects_unknown_fields() -> None:
    assert parse_map(["text=body", "seller_id=shop"]) == {"body": "text", "shop": "seller_id"}
    with pytest.raises(ValueError, match="unknown field"):
        parse_map("txt=body")
    with pytest.raises(ValueError, match="FIELD=COLUMN"):
        parse_map("text")
