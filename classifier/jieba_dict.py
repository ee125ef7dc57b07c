"""jieba tokenizers with user words, over one copy per process of jieba's default dictionary.

A fresh `jieba.Tokenizer().initialize()` reads the default dictionary again (about a second
of CPU each); the topic model, the keyword classifier and the gazetteer each need one with
their own words, so every API process and worker paid for it three times before its first
item. A copy of the loaded dictionary costs a few milliseconds and cuts the same tokens: a
tokenizer is its word frequencies, and `add_word` then adds the user words to the copy only.
"""

from __future__ import annotations

from collections.abc import Iterable

import jieba


def default_tokenizer() -> jieba.Tokenizer:
    """jieba's own tokenizer (`jieba.dt`), its dictionary loaded."""
    jieba.setLogLevel(60)  # jieba logs dictionary loading at INFO
    jieba.dt.check_initialized()
    return jieba.dt


def tokenizer_with(words: Iterable[str | tuple[str, str]]) -> jieba.Tokenizer:
    """A tokenizer of its own: the default dictionary plus `words` (a word, or (word, tag)).
    The default tokenizer must be left as jieba ships it (nothing here adds words to it)."""
    base = default_tokenizer()
    tok = jieba.Tokenizer()
    with base.lock:
        tok.FREQ, tok.total = dict(base.FREQ), base.total
    tok.initialized = True
    for word in words:
        if isinstance(word, tuple):
            tok.add_word(word[0], tag=word[1])
        else:
            tok.add_word(word)
    return tok
