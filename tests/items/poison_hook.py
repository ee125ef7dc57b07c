"""A classifier that raises on one text: the poison of the poison tests, in-process or in a
real worker process (`python -m tests.items.poison_hook worker --burst`).

It wraps the classifier the service really loads (service.incidents.runtime), so everything else —
triage, grouping, writes — is the product's. With POISON_SEEN set, each text the wrapped
classifier is asked about is appended to that file (to see which batches took what)."""

from __future__ import annotations

import dataclasses
import os
import sys
from collections.abc import Callable, Sequence

POISON = "毒丸测试文本"  # an item whose text holds this cannot be classified
ERROR = "poison text refused by the test classifier"


class PoisonClassifier:
    def __init__(self, inner) -> None:
        self.inner = inner

    def predict_many(self, texts: Sequence[str]):
        seen = os.environ.get("POISON_SEEN")
        if seen:
            with open(seen, "a", encoding="utf-8") as f:
                f.writelines(t.replace("\n", " ") + "\n" for t in texts)
        if any(POISON in t for t in texts):
            raise ValueError(ERROR)
        return self.inner.predict_many(texts)

    def __getattr__(self, name: str):
        return getattr(self.inner, name)


def install() -> Callable[[], None]:
    """Wrap the classifier of every engine built from now on; returns the undo."""
    import service.incidents.runtime as runtime

    original = runtime.load_classifier

    def loading(*args, **kwargs):
        loaded = original(*args, **kwargs)
        return dataclasses.replace(loaded, classifier=PoisonClassifier(loaded.classifier))

    runtime.load_classifier = loading
    runtime.engine_for.cache_clear()

    def undo() -> None:
        runtime.load_classifier = original
        runtime.engine_for.cache_clear()

    return undo


if __name__ == "__main__":
    from service.cli.main import main

    install()
    sys.exit(main(sys.argv[1:]))
