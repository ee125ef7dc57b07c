"""Text normalisation before classification: simplified characters, half-width, plain text."""

from __future__ import annotations

import html
import re
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import opencc

# Block tags become a space; inline tags vanish, so 城管<b>暴力</b>执法 keeps 暴力执法 whole.
_BLOCK = "p|br|div|li|tr|td|th|h[1-6]|ul|ol|table|section|article"
_BLOCK_TAG = re.compile(rf"</?(?:{_BLOCK})\b[^<>]{{0,500}}>", re.I)
_TAG = re.compile(r"</?[a-zA-Z][^<>]{0,500}>|<!--.*?-->", re.S)
_SPACE = re.compile(r"\s+")
# Full-width ASCII block (！ … ～) → ASCII; ideographic space → space.
_HALF_WIDTH = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}


@lru_cache(maxsize=1)
def _t2s() -> opencc.OpenCC:
    import opencc

    return opencc.OpenCC("t2s")


def to_simplified(text: str | None) -> str:
    """Traditional → simplified Chinese (OpenCC t2s); other text is left as it is."""
    return _t2s().convert(text) if text else ""


def to_half_width(text: str) -> str:
    return text.translate(_HALF_WIDTH)


def strip_html(text: str) -> str:
    """Drop tags, decode entities (&amp; &nbsp; …) and Excel's carriage-return escape."""
    if "<" in text:
        text = _TAG.sub("", _BLOCK_TAG.sub(" ", text))
    if "&" in text:
        text = html.unescape(text)
    return text.replace("_x000D_", " ")


def normalize(text: str | None) -> str:
    """Plain, half-width, simplified text with whitespace collapsed ("" for None/empty)."""
    if not text:
        return ""
    text = to_half_width(strip_html(text))
    return _SPACE.sub(" ", to_simplified(text)).strip()
