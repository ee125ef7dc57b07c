"""How fast this machine is right now, printed beside a bench's figures: the one-core jieba
tokenisation rate (jieba.lcut over a few thousand generated Chinese texts, items/s). The
machine is shared and its speed swings; a figure next to this rate can be compared across
runs (figure × reference rate / rate of the run)."""

from __future__ import annotations

import time

from generate import items


def jieba_rate(n: int = 3000, seed: int = 7) -> float:
    """Texts per second through jieba.lcut in this process (one core), after the dictionary
    has loaded; the median of three runs over the same texts."""
    import jieba

    jieba.setLogLevel(60)
    texts = [i["text"] for i in items(n, seed=seed)]
    jieba.lcut(texts[0])  # loads the dictionary, not timed
    rates = []
    for _ in range(3):
        t = time.perf_counter()
        for text in texts:
            jieba.lcut(text)
        rates.append(n / (time.perf_counter() - t))
    return sorted(rates)[1]


def line(n: int = 3000) -> str:
    return f"machine: jieba.lcut {jieba_rate(n):,.0f} texts/s on one core ({n:,} texts, median of 3)"


if __name__ == "__main__":
    print(line())
