"""`yuqing events eval`: pairwise P/R/F1 and distractors merged, as the TipDM events set defines them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from service.cli.main import main
from service.learning.event_eval import LabelError, read_labels, score

LABELS = {"a1": "A", "a2": "A", "a3": "A", "b1": "B", "b2": "B", "x": None, "y": None}


def test_pairwise_scores_and_distractors_merged() -> None:
    # gold pairs: a1-a2, a1-a3, a2-a3, b1-b2 (4); predicted: {a1,a2,x} {a3} {b1,b2} {y}, "z" is unlabelled
    predicted = {"a1": 1, "a2": 1, "x": 1, "a3": 2, "b1": 3, "b2": 3, "y": 4, "z": 1}
    s = score(LABELS, predicted)
    assert (s.gold_pairs, s.predicted_pairs, s.correct_pairs) == (4, 4, 2)
    assert s.precision == pytest.approx(0.5) and s.recall == pytest.approx(0.5) and s.f1 == pytest.approx(0.5)
    assert s.distractors_merged == 1 and (s.events, s.distractors) == (2, 2)


def test_ids_without_prediction_are_singletons_and_perfect_is_one() -> None:
    assert score(LABELS, {}).recall == 0.0
    perfect = score(LABELS, {"a1": "p", "a2": "p", "a3": "p", "b1": "q", "b2": "q"})
    assert perfect.f1 == 1.0 and perfect.distractors_merged == 0


def test_bad_label_files_are_refused(tmp_path: Path) -> None:
    for bad in ('{"id": 1}', "not json", '{"id": 1, "event": "A"}\n{"id": 1, "event": "B"}', '{"id": 2, "event": [1]}'):
        p = tmp_path / "labels.jsonl"
        p.write_text(bad, encoding="utf-8")
        with pytest.raises(LabelError):
            read_labels(p)


def test_cli_scores_predictions_and_groups_items(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    labels = tmp_path / "labels.jsonl"
    labels.write_text("\n".join(json.dumps({"id": k, "event": v}) for k, v in LABELS.items()), encoding="utf-8")
    pred = tmp_path / "pred.jsonl"
    pred.write_text("\n".join(json.dumps({"id": k, "incident": 1 if k.startswith("a") else k}) for k in LABELS),
                    encoding="utf-8")
    assert main(["events", "eval", "--labels", str(labels), "--predictions", str(pred)]) == 0
    out = capsys.readouterr().out
    assert "pairwise precision: 1.0000" in out and "pairwise recall:    0.7500" in out
    # items grouped offline: two reports of one estate's fumes months apart, one of another estate
    items = tmp_path / "items.jsonl"
    rows = [("1", "2024-01-05T10:00:00+08:00", "凤凰小区楼下烧烤店油烟扰民", "凤凰小区楼下烧烤店油烟直排，熏得住户不敢开窗。"),
            ("2", "2024-05-20T10:00:00+08:00", "凤凰小区烧烤店油烟问题还没解决", "凤凰小区楼下烧烤店的油烟还是直排，住户苦不堪言。"),
            ("3", "2024-05-21T10:00:00+08:00", "翠竹小区楼下烧烤店油烟扰民", "翠竹小区楼下烧烤店油烟直排，熏得住户不敢开窗。")]
    items.write_text("\n".join(json.dumps({"id": i, "received_at": t, "title": ti, "text": tx, "source": "test"},
                                          ensure_ascii=False) for i, t, ti, tx in rows), encoding="utf-8")
    labels.write_text('{"id": "1", "event": "E"}\n{"id": "2", "event": "E"}\n{"id": "3", "event": null}', encoding="utf-8")
    assert main(["events", "eval", "--labels", str(labels), "--items", str(items)]) == 0
    out = capsys.readouterr().out
    assert "pairwise F1:        1.0000" in out and "distractors merged: 0 / 1" in out
    labels.write_text("oops", encoding="utf-8")
    assert main(["events", "eval", "--labels", str(labels), "--items", str(items)]) == 2
