"""The generated training corpus, its augmentations, the external corpus readers and the splits."""

from __future__ import annotations

import random
import re
from collections import Counter
from pathlib import Path

import ahocorasick
import pytest
import yaml
from datasketch import MinHash, MinHashLSH

from detector.labels import LABELS, LANGUAGES
from training import (
    CORPUS_LANGS,
    CORPUS_PATH,
    KINDS,
    ROW_KEYS,
    TEMPLATES_DIR,
    TRAIN_ONLY_DIR,
    TRAIN_ONLY_PREFIX,
    external,
)
from training import augment as aug
from training.generate_corpus import generate, generate_corpus, load_pack, render, write_jsonl
from training.splits import (
    assign_splits,
    corpus_sha256,
    jaccard,
    load_splits,
    near_duplicate_clusters,
    normalise,
    read_corpus,
    shingles,
)

NEGATIVE_KINDS = {"hard_negative", "compliant"}


@pytest.fixture(scope="module")
def corpus() -> list[dict]:
    return read_corpus()


@pytest.fixture(scope="module")
def splits() -> dict[str, list[dict]]:
    return load_splits()


@pytest.fixture(scope="module")
def external_rows() -> list[dict]:
    return external.read_all()


# ----- schema and counts ------------------------------------------------------------------------------------


def test_schema(corpus: list[dict]) -> None:
    for row in corpus:
        assert tuple(row) == ROW_KEYS
        assert row["lang"] in CORPUS_LANGS
        assert isinstance(row["text"], str) and row["text"].strip()
        assert row["labels"] == sorted(set(row["labels"]), key=LABELS.index)
        assert set(row["labels"]) <= set(LABELS)
        assert row["kind"] in KINDS
        assert (row["kind"] in NEGATIVE_KINDS) == (row["labels"] == [])
        assert re.fullmatch(r"template(:v1(\+noise)?|\+obfuscation|\+codemix)", row["source"])
        assert (row["lang"] == "mixed") == (row["source"] == "template+codemix")
        group = row["group"].removeprefix(TRAIN_ONLY_PREFIX + ":")
        assert (group != row["group"]) == row["id"].startswith(TRAIN_ONLY_PREFIX + "-")
        lang, category, idx = group.split(":")
        assert lang in LANGUAGES and idx.isdigit()
        assert category in (*LABELS, "multi", "hard_negative", "compliant")


def test_ids_and_texts_unique(corpus: list[dict]) -> None:
    assert len({r["id"] for r in corpus}) == len(corpus)
    assert len({r["text"] for r in corpus}) == len(corpus)


def test_counts(corpus: list[dict]) -> None:
    n = len(corpus)
    assert n >= 8000
    per_label = Counter(lab for r in corpus for lab in r["labels"])
    assert all(per_label[lab] >= 500 for lab in LABELS), per_label
    per_lang = Counter(r["lang"] for r in corpus)
    assert all(per_lang[lang] >= 0.08 * n for lang in CORPUS_LANGS), per_lang
    compliant = [r for r in corpus if not r["labels"]]
    assert len(compliant) >= 3000
    assert sum(r["kind"] == "hard_negative" for r in compliant) >= len(compliant) / 3
    assert sum(len(r["labels"]) > 1 for r in corpus) >= 100
    kinds = Counter(r["kind"] for r in corpus)
    assert all(kinds[k] > 0 for k in KINDS)


def test_at_least_15_templates_per_label_and_language(corpus: list[dict]) -> None:
    for lang in LANGUAGES:
        data = yaml.safe_load((TEMPLATES_DIR / f"{lang}.yaml").read_text(encoding="utf-8"))["templates"]
        for label in LABELS:
            texts = set(data[label]) | {m["text"] for m in data.get("multi", []) if label in m["labels"]}
            assert len(texts) >= 15, (lang, label)
        # ... and every template actually produced rows
        groups = {r["group"] for r in corpus if r["group"].startswith(f"{lang}:")}
        expected = sum(len(v) for v in data.values())
        assert len(groups) == expected, lang


def test_hard_negatives_cover_the_policy_cases(corpus: list[dict]) -> None:
    hn = [r["text"].lower() for r in corpus if r["kind"] == "hard_negative" and r["lang"] == "en"]
    assert any("only" in t and "app" in t for t in hn)  # refusal to move off-platform
    assert any("not add you" in t or "won't add you" in t or "never add you" in t for t in hn)  # negation
    assert any("delete" in t for t in hn)  # deleting data
    assert any("confirm" in t and re.search(r"\d{4}", t) for t in hn)  # own details echoed back


def test_generator_is_deterministic(tmp_path: Path) -> None:
    out = tmp_path / "corpus.jsonl"
    write_jsonl(generate_corpus(), out)
    assert out.read_bytes() == CORPUS_PATH.read_bytes()
    # the training-only templates draw their own random stream: the split rows do not depend on them
    split_rows = generate()
    assert read_corpus()[: len(split_rows)] == split_rows
    assert len(corpus_sha256()) == 64


# ----- augmentations ----------------------------------------------------------------------------------------


def test_obfuscation_functions() -> None:
    rng = random.Random(1)
    assert aug.dotted("whatsapp") == "w.h.a.t.s.a.p.p"
    assert aug.spaced("line") == "l i n e"
    assert aug.fullwidth("LINE") == "ＬＩＮＥ"
    assert aug.leet("whatsapp", rng) != "whatsapp"
    cyr = aug.cyrillic("telegram", rng)
    assert cyr != "telegram" and len(cyr) == len("telegram")
    zw = aug.zero_width("telegram", random.Random(3))
    assert zw != "telegram" and "".join(c for c in zw if c not in aug.ZERO_WIDTH) == "telegram"
    spelled = aug.spell_digits("012", "ms", rng)
    assert re.fullmatch(r"kosong[ -]satu[ -]dua", spelled), spelled
    assert aug.spell_digits("09", "zh-Hans", rng) == "零九"
    assert "①" in aug.emoji_digits("1", random.Random(0)) or "1️⃣" in aug.emoji_digits("1", random.Random(0))
    assert aug.spaced_digits("0812") == "0 8 1 2"
    assert "titik" in aug.dot_words("t.me/+abc", "id", random.Random(0)) or "dot" in aug.dot_words(
        "t.me/+abc", "id", random.Random(0)
    )
    assert aug.strip_diacritics_vi("không được") == "khong duoc"


def test_obfuscate_is_pure_and_changes_text() -> None:
    text = "add my WhatsApp 012-345 6789 or join chat.whatsapp.com/AbCdEf"
    a = aug.obfuscate(text, "en", random.Random(5), ["WhatsApp"])
    b = aug.obfuscate(text, "en", random.Random(5), ["WhatsApp"])
    assert a == b and a[0] != text and a[1]
    zh = aug.obfuscate("加我微信", "zh-Hans", random.Random(2), ["微信"])[0]
    assert zh != "加我微信"


def test_codemix_inserts_english() -> None:
    out = aug.codemix(
        "kedai kami ada jualan percuma", {"kedai": ["shop"], "percuma": ["free"]}, random.Random(0)
    )
    assert "shop" in out or "free" in out
    out2 = aug.codemix("tiada padanan", {"kedai": ["shop"]}, random.Random(0), fillers=["pls"])
    assert out2.endswith("pls")


# ----- external corpora -------------------------------------------------------------------------------------


def _count(rows: list[dict], source: str) -> Counter:
    return Counter(r["raw_label"] for r in rows if r["source"] == f"external:{source}")


def test_external_raw_counts(external_rows: list[dict]) -> None:
    assert _count(external_rows, "uci_sms_spam") == {"ham": 4827, "spam": 747}
    assert _count(external_rows, "id_sms_spam_wibisono") == {"0": 569, "1": 335, "2": 239}
    assert _count(external_rows, "id_sms_spam_bopbi") == {
        "loan": 26,
        "prize": 20,
        "premium-sms": 2,
        "non-provider-promo": 1,
        "evil-service": 1,
    }


def test_external_mapping(external_rows: list[dict]) -> None:
    by = Counter((r["source"], r["raw_label"], r["use"], tuple(r["labels"])) for r in external_rows)
    uci_marketing = by[("external:uci_sms_spam", "spam", "train", ("bulk_marketing",))]
    uci_scam = by[("external:uci_sms_spam", "spam", "aside:prize_scam", ())]
    assert uci_marketing + uci_scam == 747 and uci_marketing == 559
    assert by[("external:uci_sms_spam", "ham", "train", ())] == 4827
    assert by[("external:id_sms_spam_wibisono", "2", "train", ("bulk_marketing",))] == 239
    assert by[("external:id_sms_spam_wibisono", "1", "aside:fraud", ())] == 335
    assert by[("external:id_sms_spam_bopbi", "prize", "aside:prize_scam", ())] == 20
    bopbi_contact = [r for r in external_rows if "offplatform_contact" in r["labels"]]
    assert len(bopbi_contact) == 24 and all(r["lang"] == "id" for r in bopbi_contact)
    usable = external.load_external()
    assert all(tuple(r) == ROW_KEYS for r in usable)
    assert len(usable) == sum(r["use"] == "train" for r in external_rows)


def test_external_text_cleaning(external_rows: list[dict]) -> None:
    texts = [r["text"] for r in external_rows]
    assert not any("&lt;" in t or "&gt;" in t or "&amp;" in t for t in texts)
    assert any("<#>" in t for t in texts)  # the unescaped UCI placeholder
    assert not any(re.match(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", t) for t in texts)
    assert not any("\r" in t for t in texts)


def test_external_dir_env_override(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    uci = tmp_path / "data" / "external" / "uci_sms_spam"
    uci.mkdir(parents=True)
    (uci / "SMSSpamCollection").write_bytes(
        "ham\tcaf\xe9 &amp; tea\r\nspam\tYou have WON a prize\n".encode("cp1252")
    )
    monkeypatch.setenv("OUTREACH_GUARD_SHARED", str(tmp_path))
    rows = external.read_uci()
    assert [r["text"] for r in rows] == ["café & tea", "You have WON a prize"]
    assert [r["use"] for r in rows] == ["train", "aside:prize_scam"]
    monkeypatch.setenv("OUTREACH_GUARD_SHARED", "some/relative")
    assert external.shared_dir() == (external.REPO_ROOT / "some" / "relative").resolve()


def test_no_external_text_in_the_committed_corpus(external_rows: list[dict]) -> None:
    corpus_text = CORPUS_PATH.read_text(encoding="utf-8")
    corpus_norm = {normalise(r["text"]) for r in read_corpus()}
    automaton = ahocorasick.Automaton()
    for r in external_rows:
        assert normalise(r["text"]) not in corpus_norm
        if len(r["text"]) >= 25 and "\n" not in r["text"] and '"' not in r["text"] and "\\" not in r["text"]:
            automaton.add_word(r["text"], r["id"])
    automaton.make_automaton()
    assert next(automaton.iter(corpus_text), None) is None


# ----- splits -----------------------------------------------------------------------------------------------


def _train_only(row: dict) -> bool:
    return row["group"].startswith(TRAIN_ONLY_PREFIX + ":")


def test_split_shape(splits: dict[str, list[dict]]) -> None:
    assert set(splits) == {"train", "validation", "test"}
    # the 70/15/15 cut is over the split templates; the training-only rows come on top
    train = len(splits["train"]) - sum(map(_train_only, splits["train"]))
    total = train + len(splits["validation"]) + len(splits["test"])
    assert 0.62 < train / total < 0.78
    for name in ("validation", "test"):
        assert 0.10 < len(splits[name]) / total < 0.20
        labels = Counter(lab for r in splits[name] for lab in r["labels"])
        assert all(labels[lab] > 0 for lab in LABELS), (name, labels)
        langs = Counter(r["lang"] for r in splits[name])
        assert all(langs[lang] > 0 for lang in CORPUS_LANGS), (name, langs)
        assert any(r["source"].startswith("external:") for r in splits[name])


def test_training_only_templates_are_only_in_train(corpus: list[dict], splits: dict[str, list[dict]]) -> None:
    assert not any(_train_only(r) for name in ("validation", "test") for r in splits[name])
    train_only = [r for r in splits["train"] if _train_only(r)]
    # every training-only template produced rows, in every language and category
    for lang in LANGUAGES:
        data = yaml.safe_load((TRAIN_ONLY_DIR / f"{lang}.yaml").read_text(encoding="utf-8"))["templates"]
        groups = {r["group"] for r in corpus if r["group"].startswith(f"{TRAIN_ONLY_PREFIX}:{lang}:")}
        assert len(groups) == sum(len(v) for v in data.values()), lang
        assert set(data) == {*LABELS, "multi", "hard_negative", "compliant"}, lang
    # near twins of split rows are dropped: dedupe keeps a cluster's first row, and split rows come first
    assert 0.8 * sum(map(_train_only, corpus)) < len(train_only) <= sum(map(_train_only, corpus))


def test_templates_and_ids_never_straddle_splits(splits: dict[str, list[dict]]) -> None:
    def groups(name: str) -> set[str]:
        return {r["group"] for r in splits[name] if not r["source"].startswith("external:")}

    assert not groups("train") & groups("test")
    assert not groups("train") & groups("validation")
    assert not groups("validation") & groups("test")
    ids = [r["id"] for v in splits.values() for r in v]
    assert len(ids) == len(set(ids))
    ext_texts = {
        name: {r["text"] for r in v if r["source"].startswith("external:")} for name, v in splits.items()
    }
    assert not ext_texts["train"] & ext_texts["test"]


def test_splits_deterministic(splits: dict[str, list[dict]]) -> None:
    rows = sorted((r for v in splits.values() for r in v), key=lambda r: r["id"])
    again = assign_splits(rows, seed=13)
    assert {k: sorted(r["id"] for r in v) for k, v in again.items()} == {
        k: sorted(r["id"] for r in v) for k, v in splits.items()
    }
    other = assign_splits(rows, seed=14)
    assert sorted(r["id"] for r in other["test"]) != sorted(r["id"] for r in splits["test"])


def test_no_test_row_has_a_near_twin_in_train(splits: dict[str, list[dict]]) -> None:
    """Independent check: a differently seeded, lower-threshold LSH, then the exact shingle Jaccard."""

    def mh(text: str) -> MinHash:
        m = MinHash(num_perm=64, seed=99)
        m.update_batch([s.encode() for s in shingles(text)])
        return m

    lsh = MinHashLSH(threshold=0.5, num_perm=64)
    train = splits["train"]
    for i, r in enumerate(train):
        lsh.insert(str(i), mh(r["text"]))
    worst = 0.0
    for r in splits["test"]:
        for hit in lsh.query(mh(r["text"])):
            worst = max(worst, jaccard(r["text"], train[int(hit)]["text"]))
    assert worst < 0.8


def test_near_duplicate_clusters() -> None:
    texts = [
        "join our whatsapp group now for 20% off",
        "join our whatsapp group now for 30% off!",
        "thank you",
    ]
    assert near_duplicate_clusters(texts) == [0, 0, 2]


def test_every_slot_group_is_filled_however_many() -> None:
    pack = load_pack("en")
    text = render(pack, " ".join("{a|b}" for _ in range(30)) + " {product}", random.Random(0))
    assert "{" not in text and "}" not in text
    assert len(text.split()) >= 31
