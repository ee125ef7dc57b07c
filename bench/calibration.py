"""How fast this machine is right now, printed beside a bench's figures: the one-core jieba
tokenisation rate. The machine is shared and its speed swings; a figure next to this rate can be
compared across runs (figure × reference rate / rate of the run).

Two rates: over real citizen messages (the first 1,000 texts of ../shared's messages_hot.csv,
≈ 370 characters each — the issues' "jieba tokenises about 1,500 items/s on one core" is this
kind of text, and the ingest target is a multiple of it), and over the benches' generated items
(≈ 30 characters; the rate earlier bench/README tables carry). Without ../shared only the second."""

from __future__ import annotations

import csv
import os
import time
from pathlib import Path

from generate import items

ROOT = Path(__file__).resolve().parents[1]
MESSAGES = Path(os.environ.get("YUQING_SHARED", ROOT.parent / "shared")) / "data" / "tipdm2020c" / "messages_hot.csv"


def message_texts(n: int = 1000) -> list[str] | None:
    """The first `n` real message texts, or None when ../shared is not beside the checkout."""
    if not MESSAGES.is_file():
        return None
    with MESSAGES.open(encoding="utf-8") as f:
        return [row["text"] for _, row in zip(range(n), csv.DictReader(f), strict=False)]


def _rate(texts: list[str]) -> float:
    """Texts per second through jieba.lcut in this process, after the dictionary has loaded;
    the median of three runs over the same texts."""
    import jieba

    jieba.setLogLevel(60)
    jieba.lcut(texts[0])  # loads the dictionary, not timed
    rates = []
    for _ in range(3):
        t = time.perf_counter()
        for text in texts:
            jieba.lcut(text)
        rates.append(len(texts) / (time.perf_counter() - t))
    return sorted(rates)[1]


def jieba_rate(n: int = 3000, seed: int = 7) -> float:
    """The one-core rate over generated items (short texts)."""
    return _rate([i["text"] for i in items(n, seed=seed)])


def message_rate() -> float | None:
    """The one-core rate over real message texts (the issues' reference), None without ../shared."""
    texts = message_texts()
    return _rate(texts) if texts else None


def line(n: int = 3000) -> str:
    real = message_rate()
    shown = f"{real:,.0f} real messages/s, " if real else "(no ../shared: real messages not timed), "
    return f"machine: jieba.lcut on one core {shown}{jieba_rate(n):,.0f} generated texts/s ({n:,}, median of 3)"


if __name__ == "__main__":
    print(line())
