"""Features of the learned topic model: jieba words, character n-grams and term-list matches.

Every text is prepared once (normalised, ASCII lower-cased); the vectorisers below take prepared
text. All parts are plain classes (no lambdas) so a fitted pipeline pickles with joblib; the jieba
tokenizer and compiled regexes are rebuilt lazily after loading.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Self

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion

from classifier.keywords import fold, trie_regex
from classifier.normalize import normalize

if TYPE_CHECKING:
    from jieba import Tokenizer as JiebaTokenizer

WORD_BLOCK, CHAR_BLOCK, TERM_BLOCK = "words", "chars", "terms"
TERM_WEIGHT = 0.5  # scale of the term-count block beside the unit-length TF-IDF blocks
_CACHE_LIMIT = 20_000  # tokenised texts remembered per user dictionary (cross-validation re-fits)
_TOKEN_CACHE: dict[str, dict[str, tuple[str, ...]]] = {}
_JIEBA: dict[str, JiebaTokenizer] = {}  # one jieba.Tokenizer per user dictionary, shared by copies


def prepare(text: str | None) -> str:
    """The form every feature sees: normalised (simplified, half-width, no HTML), ASCII lower-case."""
    return fold(normalize(text))


def clean_words(words: Iterable[str]) -> tuple[str, ...]:
    """Prepared, de-duplicated, sorted words of two or more characters (one-character words are noise)."""
    return tuple(sorted({prepare(w) for w in words if w and len(prepare(w)) >= 2}))


class Tokenizer:
    """jieba over prepared text with a dedicated user dictionary; called as a TF-IDF analyzer."""

    def __init__(self, user_words: Iterable[str] = ()) -> None:
        self.user_words = clean_words(user_words)
        self.key = hashlib.sha256("\n".join(self.user_words).encode()).hexdigest()[:16]

    def __getstate__(self) -> dict[str, object]:
        return {"user_words": self.user_words, "key": self.key}

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__dict__.update(state)

    @property
    def jieba(self) -> JiebaTokenizer:
        tok = _JIEBA.get(self.key)
        if tok is None:
            from classifier.jieba_dict import tokenizer_with

            tok = tokenizer_with(self.user_words)
            _JIEBA[self.key] = tok
        return tok

    def __call__(self, text: str) -> tuple[str, ...]:
        cache = _TOKEN_CACHE.setdefault(self.key, {})
        tokens = cache.get(text)
        if tokens is None:
            tokens = tuple(w for w in self.jieba.lcut(text) if w.strip() and not _is_punct(w))
            if len(cache) >= _CACHE_LIMIT:
                cache.clear()
            cache[text] = tokens
        return tokens


def _is_punct(word: str) -> bool:
    return len(word) == 1 and not word.isalnum()


class TermMatcher(BaseEstimator, TransformerMixin):  # type: ignore[misc]  # sklearn ships no types: its bases are Any
    """Per-label counts of term-list hits (log-scaled), e.g. taxonomy keywords of each topic.

    A term listed under several labels says nothing about which one, so it is left out.
    """

    def __init__(self, term_lists: Mapping[str, Sequence[str]] | None = None, weight: float = TERM_WEIGHT) -> None:
        self.term_lists = term_lists
        self.weight = weight

    labels_: tuple[str, ...]  # fitted: the term lists' labels, sorted (column order)
    owner_: dict[str, int]  # fitted: term → column of the one label that lists it
    _regex: re.Pattern[str] | None  # built on first use, not pickled

    def fit(self, docs: Sequence[str], y: object = None) -> Self:
        lists = {label: clean_words(words) for label, words in (self.term_lists or {}).items()}
        owners: dict[str, set[str]] = {}
        for label, words in lists.items():
            for w in words:
                owners.setdefault(w, set()).add(label)
        self.labels_ = tuple(sorted(lists))
        index = {label: i for i, label in enumerate(self.labels_)}
        self.owner_ = {w: index[next(iter(ls))] for w, ls in owners.items() if len(ls) == 1}
        self._regex = None
        return self

    def __getstate__(self) -> dict[str, object]:
        return {k: v for k, v in self.__dict__.items() if k != "_regex"}

    @property
    def regex(self) -> re.Pattern[str]:
        regex = getattr(self, "_regex", None)  # absent on an unpickled matcher
        if regex is None:
            regex = self._regex = trie_regex(self.owner_)
        return regex

    def hits(self, doc: str) -> list[tuple[str, int]]:
        """(term, label index) for every term found in a prepared text."""
        return [(m.group(), self.owner_[m.group()]) for m in self.regex.finditer(doc)]

    def transform(self, docs: Sequence[str]) -> sp.csr_matrix:
        rows: list[int] = []
        cols: list[int] = []
        vals: list[float] = []
        for r, doc in enumerate(docs):
            counts: dict[int, int] = {}
            for _term, label in self.hits(doc):
                counts[label] = counts.get(label, 0) + 1
            for c, n in counts.items():
                rows.append(r)
                cols.append(c)
                vals.append(self.weight * math.log1p(n))
        return sp.csr_matrix((vals, (rows, cols)), shape=(len(docs), len(self.labels_)), dtype=np.float64)

    def get_feature_names_out(self, input_features: object = None) -> npt.NDArray[np.object_]:
        return np.array([f"术语:{label}" for label in self.labels_], dtype=object)


def build_features(user_words: Iterable[str] = (), term_lists: Mapping[str, Sequence[str]] | None = None,
                   *, char_max_features: int = 150_000) -> FeatureUnion:
    """Word uni-grams (jieba) + character 1–3-grams, both sublinear TF-IDF, + term-list counts.

    Term-list words join the user dictionary so jieba keeps them whole.
    """
    words = set(user_words) | {w for ws in (term_lists or {}).values() for w in ws}
    parts = [
        (WORD_BLOCK, TfidfVectorizer(analyzer=Tokenizer(words), sublinear_tf=True, min_df=1)),
        (CHAR_BLOCK, TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True, min_df=2,
                                     max_features=char_max_features)),
    ]
    if term_lists:
        parts.append((TERM_BLOCK, TermMatcher(term_lists, weight=TERM_WEIGHT)))
    return FeatureUnion(parts)


def block_names(union: FeatureUnion) -> list[tuple[str, npt.NDArray[np.object_]]]:
    """(block, feature names) of a fitted union, in column order."""
    out: list[tuple[str, npt.NDArray[np.object_]]] = []
    for name, part in union.transformer_list:
        if isinstance(part, TfidfVectorizer):
            names = np.array(sorted(part.vocabulary_, key=part.vocabulary_.get), dtype=object)
        else:
            names = np.array([label for label in part.labels_], dtype=object)
        out.append((name, names))
    return out
