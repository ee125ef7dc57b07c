"""`yuqing classifier …`: train, eval, retrain, info, corrections (wired into service/cli/main.py)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def add_parser(sub: argparse._SubParsersAction) -> None:
    cls = sub.add_parser("classifier", help="topic classifier: train, evaluate, retrain, inspect")
    cs = cls.add_subparsers(dest="classifier_command", required=True)
    train = cs.add_parser("train", help="train on labelled history and make it the active model")
    _data_args(train)
    train.add_argument("--out", help="model directory (default: MODEL_DIR)")
    train.add_argument("--no-eval", action="store_true", help="skip the 5-fold cross-validation of the metadata")
    ev = cs.add_parser("eval", help="stratified k-fold cross-validation: accuracy, macro-F1, per-class table")
    _data_args(ev)
    ev.add_argument("--unlabeled", action="append", default=[], metavar="FILE",
                    help="unlabelled texts for the model's unsupervised features (repeatable); "
                         "texts equal to a labelled one are removed")
    ev.add_argument("--unlabeled-text-col", help="text column of --unlabeled files (default: --text-col)")
    ev.add_argument("--unlabeled-title-col", help="title column of --unlabeled files (default: --title-col)")
    ev.add_argument("--terms", help="CSV/XLSX of term lists: a label column and columns of its terms")
    ev.add_argument("--terms-label-col", help="label column of --terms (default: its first column)")
    ev.add_argument("--folds", type=int, default=5)
    ev.add_argument("--seed", type=int, default=0)
    rt = cs.add_parser("retrain", help="fold coordinators' corrections in; promote only if not worse")
    rt.add_argument("--enqueue", action="store_true", help="run as an RQ job on a worker (needs REDIS_URL)")
    cs.add_parser("info", help="the classifier in use: source, version, metrics, taxonomy digest")
    corr = cs.add_parser("corrections", help="export coordinators' corrections as CSV (text,label,…)")
    corr.add_argument("--out", required=True, help="CSV file to write (- for stdout)")
    corr.add_argument("--field", choices=["topic", "severity"], default="topic")


def _data_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--data", required=True, help="labelled CSV or XLSX")
    p.add_argument("--text-col", required=True)
    p.add_argument("--label-col", required=True)
    p.add_argument("--title-col", help="title column, joined before the text")
    p.add_argument("--title-weight", type=int, default=2,
                   help="times the title is repeated before the text (default 2, as bench/tipdm_eval.py)")


def run(args: argparse.Namespace) -> int:
    import structlog

    from classifier.datasets import DatasetError

    structlog.configure(logger_factory=structlog.PrintLoggerFactory(sys.stderr))  # stdout carries the results
    try:
        return HANDLERS[args.classifier_command](args)
    except DatasetError as exc:
        print(str(exc), file=sys.stderr)
        return 2


def cmd_train(args: argparse.Namespace) -> int:
    from classifier import registry
    from classifier.build_default import FOLDS, SEED, fit_model, fit_options, report_metrics
    from classifier.datasets import load_labelled
    from classifier.evaluation import cross_validate
    from routing.taxonomy import load_taxonomy
    from service.core.settings import get_settings
    from service.learning.retrain import TRAINING_SNAPSHOT, write_snapshot

    taxonomy = load_taxonomy()
    data = load_labelled(args.data, text_col=args.text_col, label_col=args.label_col, title_col=args.title_col,
                         title_weight=args.title_weight)
    print(data.summary(), file=sys.stderr)
    unknown = sorted(set(data.labels) - set(taxonomy.topic_names))
    if unknown:
        print(f"{args.data}: 列 {args.label_col!r} 含主题体系外的标签 / labels not in the taxonomy: "
              f"{', '.join(unknown)}", file=sys.stderr)
        return 2
    out = args.out or get_settings().model_dir
    org = _org()
    metrics: dict = {"n": len(data), "source": str(args.data)}
    if not args.no_eval:
        opts = fit_options(taxonomy, org)
        report = cross_validate(list(data.texts), list(data.labels), folds=FOLDS, seed=SEED,
                                term_lists=opts["term_lists"], user_words=opts["user_words"])
        print(report.render())
        metrics |= report_metrics(report, FOLDS)
    model = fit_model(data.texts, data.labels, taxonomy=taxonomy, org=org, metrics=metrics)
    ref = registry.save(model, out)
    write_snapshot(ref.directory / TRAINING_SNAPSHOT.format(version=ref.version), data.texts, data.labels)
    registry.activate(ref)
    print(f"已启用模型 / active model: {ref.version} ({ref.artifact})")
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from classifier.datasets import load_labelled, load_term_lists, load_texts, within_labels, without_texts
    from classifier.evaluation import cross_validate

    data = load_labelled(args.data, text_col=args.text_col, label_col=args.label_col, title_col=args.title_col,
                         title_weight=args.title_weight)
    print(data.summary(), file=sys.stderr)
    unlabeled: list[str] = []
    for path in args.unlabeled:
        texts = load_texts(path, text_col=args.unlabeled_text_col or args.text_col,
                           title_col=args.unlabeled_title_col or args.title_col, title_weight=args.title_weight)
        kept, leaked = without_texts(data, texts)
        print(f"{path}: {len(kept)} 条无标注文本 / unlabelled texts, 去除与标注集相同的 {leaked} 条 / "
              f"removed as equal to a labelled text", file=sys.stderr)
        unlabeled += kept
    unlabeled = list(dict.fromkeys(unlabeled))
    terms = None
    if args.terms:
        label_col = args.terms_label_col or _first_column(args.terms)
        every = load_term_lists(args.terms, label_col=label_col)
        unlabeled, other = within_labels(unlabeled, every, data.labels)
        terms = {label: words for label, words in every.items() if label in set(data.labels)}
        print(f"{args.terms}: {len(terms)} 个标签的术语表 / term lists for labels in the data; 去除属于其他类别的"
              f"无标注文本 {other} 条 / unlabelled texts of other classes removed", file=sys.stderr)
    # the terms also go to jieba as user words, so a sub-topic name stays one token
    report = cross_validate(list(data.texts), list(data.labels), folds=args.folds, seed=args.seed,
                            unlabeled=unlabeled, term_lists=terms,
                            user_words=[w for ws in (terms or {}).values() for w in ws])
    print(report.render())
    return 0


def _first_column(path: str) -> str:
    from classifier.datasets import read_rows

    return read_rows(path)[0][0]


def cmd_retrain(args: argparse.Namespace) -> int:
    from service.core.queue import queued
    from service.core.settings import get_settings
    from service.learning.retrain import enqueue_retrain, retrain

    settings = get_settings()
    if args.enqueue:
        if not queued(settings):
            print("REDIS_URL 未设置，无法排队 / REDIS_URL unset: cannot enqueue", file=sys.stderr)
            return 2
        job = enqueue_retrain(settings)
        print(f"已排队 / enqueued: job {job.id}")
        return 0
    result = retrain(settings)
    print(result.reason)
    print(json.dumps(result.as_dict(), ensure_ascii=False))
    return 0


def cmd_info(_args: argparse.Namespace) -> int:
    from classifier import registry
    from routing.taxonomy import load_taxonomy
    from service.core.settings import get_settings

    taxonomy = load_taxonomy()
    loaded = registry.load_classifier(taxonomy, get_settings().model_dir)
    meta = loaded.metadata
    info = {
        "source": loaded.source,
        "version": loaded.version,
        "path": str(loaded.ref.artifact) if loaded.ref else None,
        "created_at": meta.get("created_at"),
        "n_train": meta.get("n_train"),
        "metrics": meta.get("metrics"),
        "model_taxonomy_digest": meta.get("taxonomy_digest"),
        "taxonomy_digest": taxonomy.digest,
        "problems": list(loaded.problems),
    }
    print(json.dumps(info, ensure_ascii=False, indent=2))
    return 0


def cmd_corrections(args: argparse.Namespace) -> int:
    from service.core.db import session_scope
    from service.core.settings import get_settings
    from service.learning.corrections import export_csv, load_corrections

    with session_scope(get_settings().database_url) as session:
        found = load_corrections(session, fields=(args.field,))
    out = "/dev/stdout" if args.out == "-" else args.out
    n = export_csv(found, Path(out), field=args.field)
    print(f"已导出 {n} 条更正 / exported {n} corrections", file=sys.stderr)
    return 0


def _org():
    from routing.orgfile import load_demo_org, load_org_text
    from service.core.db import session_scope
    from service.core.settings import get_settings
    from service.orgs.store import active_org_text

    try:
        with session_scope(get_settings().database_url) as session:
            found = active_org_text(session)
    except Exception:
        found = None
    return load_org_text(*found) if found else load_demo_org()


HANDLERS = {"train": cmd_train, "eval": cmd_eval, "retrain": cmd_retrain, "info": cmd_info,
            "corrections": cmd_corrections}
