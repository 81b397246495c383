"""The classifier: hashed character and word n-grams of the normalised text plus the rules' cue hits,
one logistic regression per label, calibrated on the validation split.

Hashing keeps the artifact small and needs no vocabulary; explanations re-hash the message's own n-grams
to find the ones that weighed most.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import normalize
from sklearn.utils import murmurhash3_32
from sklearn.utils.validation import check_is_fitted

from detector.char_hashing import gram_columns, padded
from detector.labels import LABELS
from detector.segment import tokens

# Bumped whenever `transform` maps a text to different columns; a model trained on another scheme is refused.
FEATURE_SCHEME = 2  # 2: char n-grams hashed by detector.char_hashing (1: sklearn murmurhash)
SMALL_BATCH = 8  # up to this many messages, word and cue features are hashed here rather than by sklearn


def _identity(x):
    return x


class TextClassifier(ClassifierMixin, BaseEstimator):
    """Multi-label: `fit(texts, Y, cues)` with Y of shape (n, 7); `predict_proba` gives (n, 7).

    `texts` are normalised texts; `cues` are sets of cue/rule names from the rule engine.
    """

    def __init__(
        self,
        char_ngram_range: tuple[int, int] = (2, 5),
        char_features: int = 2**18,
        word_features: int = 2**17,
        cue_features: int = 2**12,
        # 64 since model 2026.11.11 (16 before, chosen out of fold on a 6,000-row corpus): on the 53,000-row
        # corpus, dev models gave validation 0.9530 -> 0.9545 and fresh dev 0.801 -> 0.809 (README, Quality)
        C: float = 64.0,
        cue_weight: float = 1.0,
        random_state: int = 0,
    ) -> None:
        self.char_ngram_range = char_ngram_range
        self.char_features = char_features
        self.word_features = word_features
        self.cue_features = cue_features
        self.C = C
        self.cue_weight = cue_weight
        self.random_state = random_state

    # -- features -----------------------------------------------------------------------------------------
    def char_ngrams(self, text: str) -> list[str]:
        """Character n-grams of the space-padded text, as strings: the reference the tests hash one by one
        (scoring and explanations hash them in numpy, see detector.char_hashing)."""
        t = padded(text)
        lo, hi = self.char_ngram_range
        return [t[i : i + n] for n in range(lo, hi + 1) for i in range(len(t) - n + 1)]

    def _char_bits(self) -> int:
        bits = self.char_features.bit_length() - 1
        if self.char_features != 1 << bits:
            raise ValueError(f"char_features must be a power of two, got {self.char_features}")
        return bits

    def char_block(self, texts: Sequence[str]) -> sp.csr_matrix:
        """Counts of hashed char n-grams per text, l2-normalised."""
        lo, hi = self.char_ngram_range
        rows, cols = gram_columns(texts, lo, hi, self._char_bits())
        X = sp.coo_matrix(
            (np.ones(cols.size), (rows, cols)), shape=(len(texts), self.char_features)
        ).tocsr()  # sums the repeated n-grams
        return normalize(X, copy=False)

    def _vectorizers(self) -> tuple[HashingVectorizer, HashingVectorizer]:
        """sklearn's HashingVectorizers for the word and cue blocks."""
        word = HashingVectorizer(
            analyzer=_identity, n_features=self.word_features, alternate_sign=False, norm="l2"
        )
        cue = HashingVectorizer(
            analyzer=_identity, n_features=self.cue_features, alternate_sign=False, norm=None
        )
        return word, cue

    @staticmethod
    def word_ngrams(text: str) -> list[str]:
        toks = tokens(text)
        return toks + [" ".join(pair) for pair in zip(toks, toks[1:], strict=False)]

    def transform(self, texts: Sequence[str], cues: Sequence[set[str]]) -> sp.csr_matrix:
        xc = self.char_block(texts)
        if len(texts) <= SMALL_BATCH:
            xwq = self._word_cue_small(texts, cues)
        else:
            word, cue = self._vectorizers()
            xw = word.transform([self.word_ngrams(t) for t in texts])
            xq = cue.transform([sorted(c) for c in cues]) * self.cue_weight
            xwq = sp.hstack([xw, xq], format="csr")
        return sp.hstack([xc, xwq], format="csr")

    def _word_cue_small(self, texts: Sequence[str], cues: Sequence[set[str]]) -> sp.csr_matrix:
        """The word and cue blocks as the HashingVectorizers give them, built directly: for a few messages
        (a pre-send check) sklearn's per-call overhead costs more than hashing the n-grams here."""
        blocks = ((self.word_features, 0, True), (self.cue_features, self.word_features, False))
        indptr, indices, data = [0], [], []
        for text, cue_set in zip(texts, cues, strict=True):
            grams_per_block = (self.word_ngrams(text), sorted(cue_set))
            for grams, (n_features, offset, l2) in zip(grams_per_block, blocks, strict=True):
                counts: Counter[int] = Counter(abs(murmurhash3_32(g, seed=0)) % n_features for g in grams)
                scale = (
                    (1.0 / (math.sqrt(sum(c * c for c in counts.values())) or 1.0)) if l2 else self.cue_weight
                )
                for idx in sorted(counts):
                    indices.append(offset + idx)
                    data.append(counts[idx] * scale)
            indptr.append(len(indices))
        return sp.csr_matrix(
            (np.asarray(data), np.asarray(indices, dtype=np.int32), np.asarray(indptr)),
            shape=(len(texts), self.word_features + self.cue_features),
        )

    # -- fit / predict ------------------------------------------------------------------------------------
    def fit(self, texts: Sequence[str], Y: np.ndarray, cues: Sequence[set[str]]) -> TextClassifier:
        return self.fit_matrix(self.transform(texts, cues), Y)

    def fit_matrix(
        self, X: sp.csr_matrix, Y: np.ndarray, sample_weight: np.ndarray | None = None
    ) -> TextClassifier:
        """Fit on already transformed features (cross-validation transforms once)."""
        Y = np.asarray(Y)
        self.coef_ = np.zeros((Y.shape[1], X.shape[1]), dtype=np.float32)
        self.intercept_ = np.zeros(Y.shape[1], dtype=np.float64)
        for j in range(Y.shape[1]):
            lr = LogisticRegression(
                C=self.C,
                solver="liblinear",
                class_weight="balanced",
                random_state=self.random_state,
                max_iter=200,
            )
            lr.fit(X, Y[:, j], sample_weight=sample_weight)
            self.coef_[j] = lr.coef_[0].astype(np.float32)
            self.intercept_[j] = lr.intercept_[0]
        self.labels_ = list(LABELS)[: Y.shape[1]]
        self.feature_scheme_ = FEATURE_SCHEME
        # Platt scaling per label, set by `calibrate` on held-out data; identity until then.
        self.calib_a_ = np.ones(Y.shape[1])
        self.calib_b_ = np.zeros(Y.shape[1])
        return self

    def decision_function(self, texts: Sequence[str], cues: Sequence[set[str]]) -> np.ndarray:
        return self.decision_matrix(self.transform(texts, cues))

    def decision_matrix(self, X: sp.csr_matrix) -> np.ndarray:
        check_is_fitted(self, "coef_")
        return np.asarray(X @ self._weights()) + self.intercept_

    def _weights(self) -> np.ndarray:
        """coef_ transposed, contiguous and in the features' dtype, kept after the first call: scipy would
        otherwise convert and copy the whole matrix on every product (milliseconds per check)."""
        w = self.__dict__.get("_coef_t")
        if w is None or w.shape[::-1] != self.coef_.shape:
            w = self.__dict__["_coef_t"] = np.ascontiguousarray(self.coef_.T, dtype=np.float64)
        return w

    def __getstate__(self) -> dict:
        state = super().__getstate__()
        state.pop("_coef_t", None)  # derived; not shipped in the artifact
        return state

    def calibrate_scores(self, scores: np.ndarray, Y: np.ndarray) -> TextClassifier:
        """Platt scaling from held-out (e.g. out-of-fold) decision scores."""
        for j in range(scores.shape[1]):
            lr = LogisticRegression(C=1e4, solver="lbfgs")
            lr.fit(scores[:, [j]], np.asarray(Y)[:, j])
            self.calib_a_[j] = lr.coef_[0, 0]
            self.calib_b_[j] = lr.intercept_[0]
        return self

    def predict_proba(self, texts: Sequence[str], cues: Sequence[set[str]]) -> np.ndarray:
        return self.calibrated(self.decision_function(texts, cues))

    def calibrated(self, scores: np.ndarray) -> np.ndarray:
        z = scores * self.calib_a_ + self.calib_b_
        return 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))

    def predict(self, texts: Sequence[str], cues: Sequence[set[str]]) -> np.ndarray:
        return (self.predict_proba(texts, cues) >= 0.5).astype(int)

    # -- explanations -------------------------------------------------------------------------------------
    def gram_table(self, text: str) -> tuple[list[str], np.ndarray, np.ndarray]:
        """The message's readable n-grams, their feature indices and their values in its l2-normalised
        vectors (the columns `transform` gives them): what explanations weigh. Only the longest char n-grams
        and words of 3+ letters are kept."""
        lo, hi = self.char_ngram_range
        t = padded(text)
        longest = [t[i : i + hi] for i in range(len(t) - hi + 1)]
        # every char n-gram's column, the longest last: the norm is the row's in `char_block`
        all_cols = gram_columns([text], lo, hi, self._char_bits())[1]
        char_norm = float(np.sqrt((np.unique(all_cols, return_counts=True)[1] ** 2).sum())) or 1.0
        cols = all_cols[all_cols.size - len(longest) :].tolist()
        chars = [(g.strip(), col, c) for (g, col), c in Counter(zip(longest, cols, strict=True)).items()]
        chars = [item for item in chars if len(item[0]) >= 3]
        words = Counter(self.word_ngrams(text))
        word_norm = math.sqrt(sum(c * c for c in words.values())) or 1.0
        kept = [(g, c) for g, c in words.items() if len(g) >= 3]
        offset, n_words = self.char_features, self.word_features
        keys = [g for g, _, _ in chars] + [g for g, _ in kept]
        index = [col for _, col, _ in chars] + [
            offset + abs(murmurhash3_32(g, seed=0)) % n_words for g, _ in kept
        ]
        values = [c / char_norm for _, _, c in chars] + [c / word_norm for _, c in kept]
        return keys, np.asarray(index, dtype=np.int64), np.asarray(values, dtype=float)

    def explain(
        self, text: str, label: str, k: int = 5, table: tuple | None = None
    ) -> list[tuple[str, float, int | None, int | None]]:
        """The n-grams of `text` that pushed `label` up most: (n-gram, weight, start, end) in `text`.

        Pass `table` (from `gram_table`) to explain several labels of one message without re-hashing."""
        check_is_fitted(self, "coef_")
        keys, index, values = table if table is not None else self.gram_table(text)
        if not keys:
            return []
        contrib = self.coef_[self.labels_.index(label)][index] * values
        out: list[tuple[str, float, int | None, int | None]] = []
        taken: list[tuple[int, int]] = []
        seen: set[str] = set()
        for i in np.argsort(-contrib):
            w, g = float(contrib[i]), keys[i]
            if w <= 0 or len(out) >= k:
                break
            if g in seen:
                continue
            seen.add(g)
            pos = text.find(g)
            if pos < 0 or any(pos < e and pos + len(g) > s for s, e in taken):
                continue
            taken.append((pos, pos + len(g)))
            out.append((g, w, pos, pos + len(g)))
        return out


class ShippedModel:
    """What `models/<version>/model.joblib` holds: the classifier, its version and thresholds."""

    def __init__(
        self, classifier: TextClassifier, version: str, thresholds: dict[str, dict[str, float]]
    ) -> None:
        self.classifier = classifier
        self.version = version
        self.thresholds = thresholds
        self.card: dict | None = None

    def predict_proba(self, texts: Sequence[str], cues: Sequence[set[str]]) -> np.ndarray:
        return self.classifier.predict_proba(texts, cues)

    def explain(self, text: str, label: str, k: int = 5, table: tuple | None = None):
        return self.classifier.explain(text, label, k, table)

    def gram_table(self, text: str) -> tuple:
        return self.classifier.gram_table(text)
