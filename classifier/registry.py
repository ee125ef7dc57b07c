"""Where topic models live, which one is active, and when a new one may replace it.

Two places hold models, with the same layout — `topic-<version>.joblib` (the model),
`topic-<version>.json` (its metadata: version, seed, labels, taxonomy digest, CV metrics) and
`active.json` (a pointer to the active version):

- the deployment's model directory (setting MODEL_DIR, default ./models), written by
  `yuqing classifier train` / `retrain`;
- the packaged default at classifier/data/model/, rebuilt by `python -m classifier.build_default`
  and committed to the repository.

Loading order: the active model of MODEL_DIR, else the packaged default, else the keyword
baseline. A loaded model runs blended with the keyword baseline (classifier.blend). A model trained on another taxonomy (its digest differs from the running
taxonomy's) is refused — its labels would not be the topics routing knows — and loading moves
on to the next candidate; every refusal is logged (`classifier.model_refused`) and kept in
`LoadedClassifier.problems`, so `yuqing classifier info` shows why the fallback is in use.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import structlog

from classifier.base import Classifier
from routing.taxonomy import Taxonomy

if TYPE_CHECKING:  # both import sklearn, which loading the keyword baseline does not need
    from classifier.evaluation import EvalReport
    from classifier.model import TopicModel

PACKAGED_DIR = Path(__file__).parent / "data" / "model"
ACTIVE = "active.json"
_SAFE_VERSION = re.compile(r"^[0-9A-Za-z][0-9A-Za-z._-]{0,80}$")

log = structlog.get_logger()


class RegistryError(RuntimeError):
    pass


@dataclass(frozen=True)
class ModelRef:
    directory: Path
    version: str

    @property
    def artifact(self) -> Path:
        return self.directory / f"topic-{self.version}.joblib"

    @property
    def metadata_path(self) -> Path:
        return self.directory / f"topic-{self.version}.json"

    def metadata(self) -> dict[str, Any]:
        try:
            meta: dict[str, Any] = json.loads(self.metadata_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return meta


@dataclass(frozen=True)
class LoadedClassifier:
    classifier: Classifier
    source: str  # model_dir | packaged | keyword
    ref: ModelRef | None = None
    metadata: dict[str, Any] = dataclasses.field(default_factory=dict)
    problems: tuple[str, ...] = ()  # why earlier candidates were refused

    @property
    def version(self) -> str | None:
        return self.ref.version if self.ref else None


# --- writing -------------------------------------------------------------------------------
def metadata_dict(model: TopicModel) -> dict[str, Any]:
    """The model's metadata as it reads back from JSON (dates and paths as strings)."""
    meta: dict[str, Any] = json.loads(json.dumps(model.metadata, ensure_ascii=False, default=str))
    return meta


def save(model: TopicModel, directory: str | Path) -> ModelRef:
    """Write the artifact and its metadata (not activated)."""
    meta = metadata_dict(model)
    version = str(meta.get("version") or "")
    if not _SAFE_VERSION.match(version):
        raise RegistryError(f"model version {version!r} is not usable in a file name")
    ref = ModelRef(Path(directory), version)
    ref.directory.mkdir(parents=True, exist_ok=True)
    model.save(ref.artifact)
    _write_atomic(ref.metadata_path, json.dumps(meta, ensure_ascii=False, indent=2, sort_keys=True) + "\n")
    return ref


def activate(ref: ModelRef) -> None:
    if not ref.artifact.is_file():
        raise RegistryError(f"{ref.artifact} does not exist")
    _write_atomic(ref.directory / ACTIVE, json.dumps({"version": ref.version}, ensure_ascii=False) + "\n")


def _write_atomic(path: Path, text: str) -> None:
    # A worker may be reading the pointer while retrain writes it: replace, never truncate.
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


# --- reading -------------------------------------------------------------------------------
def active_ref(directory: str | Path | None) -> ModelRef | None:
    if not directory:
        return None
    pointer = Path(directory) / ACTIVE
    try:
        version = str(json.loads(pointer.read_text(encoding="utf-8"))["version"])
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise RegistryError(f"{pointer}: unreadable pointer ({exc})") from exc
    if not _SAFE_VERSION.match(version):
        raise RegistryError(f"{pointer}: bad version {version!r}")
    return ModelRef(Path(directory), version)


def versions(directory: str | Path) -> list[str]:
    return sorted(p.name[len("topic-"):-len(".joblib")] for p in Path(directory).glob("topic-*.joblib"))


def load_model(ref: ModelRef, taxonomy: Taxonomy) -> TopicModel:
    from classifier.model import TopicModel

    return TopicModel.load(ref.artifact, expected_taxonomy_digest=taxonomy.digest)


def candidates(model_dir: str | Path | None) -> list[tuple[str, ModelRef | None, str | None]]:
    """(source, ref, problem) in loading order; a problem means the pointer itself is broken."""
    out: list[tuple[str, ModelRef | None, str | None]] = []
    for source, directory in (("model_dir", model_dir), ("packaged", PACKAGED_DIR)):
        try:
            ref = active_ref(directory)
        except RegistryError as exc:
            out.append((source, None, str(exc)))
            continue
        if ref is not None:
            out.append((source, ref, None))
    return out


def load_classifier(taxonomy: Taxonomy, model_dir: str | Path | None) -> LoadedClassifier:
    """The best valid classifier: MODEL_DIR's active model, the packaged default, or keywords."""
    from classifier.keywords import KeywordClassifier

    problems: list[str] = []
    for source, ref, problem in candidates(model_dir):
        if ref is None:
            log.warning("classifier.model_refused", source=source, problem=problem)
            problems.append(f"{source}: {problem}")
            continue
        from classifier.model import ModelMismatchError

        try:
            model = load_model(ref, taxonomy)
        except ModelMismatchError as exc:
            problem = (f"{source} 模型 {ref.version} 的主题体系与当前不一致，已拒绝 / "
                       f"model {ref.version} was trained on another taxonomy, refused: {exc}")
        except Exception as exc:
            problem = f"{source} 模型 {ref.version} 无法加载 / cannot load model {ref.version}: {type(exc).__name__}: {exc}"
        else:
            from classifier.blend import BlendedClassifier

            log.info("classifier.loaded", source=source, version=ref.version, path=str(ref.artifact))
            blended = BlendedClassifier(model, KeywordClassifier(taxonomy))  # see classifier/blend.py
            return LoadedClassifier(blended, source, ref, ref.metadata(), tuple(problems))
        log.warning("classifier.model_refused", source=source, version=ref.version, problem=problem)
        problems.append(problem)
    log.warning("classifier.keyword_fallback", problems=problems)
    return LoadedClassifier(KeywordClassifier(taxonomy), "keyword", None, {}, tuple(problems))


# --- promotion (pure) ------------------------------------------------------------------------
@dataclass(frozen=True)
class Promotion:
    promote: bool
    reason: str  # Chinese and English
    candidate_f1: float
    current_f1: float | None


def promote(candidate: EvalReport, current: EvalReport | None, *, candidate_data: Sequence[str] | None = None,
            current_data: Sequence[str] | None = None) -> Promotion:
    """Promote only a candidate that is not worse: macro-F1 ≥ the current model's, measured on
    the same evaluation data (reports of different data sizes, or different data when given,
    are not comparable and raise ValueError). No current model: promote."""
    cand = round(float(candidate.macro_f1), 6)
    if current is None:
        return Promotion(True, "没有现行模型，启用候选模型 / no current model: candidate promoted", cand, None)
    if _size(candidate) != _size(current) or (
            candidate_data is not None and current_data is not None and list(candidate_data) != list(current_data)):
        raise ValueError("candidate and current were evaluated on different data: not comparable")
    cur = round(float(current.macro_f1), 6)
    if cand >= cur:
        return Promotion(True, f"候选模型 macro-F1 {cand:.3f} ≥ 现行 {cur:.3f}，启用 / "
                               f"candidate macro-F1 {cand:.3f} ≥ current {cur:.3f}: promoted", cand, cur)
    return Promotion(False, f"候选模型 macro-F1 {cand:.3f} < 现行 {cur:.3f}，保留现行模型 / "
                            f"candidate macro-F1 {cand:.3f} < current {cur:.3f}: current kept", cand, cur)


def _size(report: EvalReport) -> int | None:
    for name in ("n", "n_samples", "support"):
        value = getattr(report, name, None)
        if isinstance(value, int):
            return value
    return None
