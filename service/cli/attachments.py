"""`yuqing attachments prune [--older-than-minutes N]`: delete the files under ATTACHMENTS_DIR that no
attachment row names, older than N minutes (default 60), e.g. left by a crash between the write and
the commit (service.attachments.files.prune; the sweep runs it too, once an hour)."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import timedelta


def add_parser(sub) -> None:
    att = sub.add_parser("attachments", help="attachment files: remove the ones no row references")
    att_sub = att.add_subparsers(dest="attachments_cmd", required=True)
    prune = att_sub.add_parser("prune", help="delete unreferenced files older than --older-than-minutes")
    prune.add_argument("--older-than-minutes", type=float, default=60,
                       help="keep younger files: their transaction may still be running (default 60)")


def cmd_attachments(args: argparse.Namespace) -> int:
    from service.attachments.files import prune_all
    from service.core.settings import get_settings

    if not args.older_than_minutes >= 10:
        print("--older-than-minutes 须不小于 10 / must be at least 10", file=sys.stderr)
        return 2
    settings = get_settings()
    if not settings.attachments_dir:
        print("未配置 ATTACHMENTS_DIR：附件存于数据库，无文件可清理 / ATTACHMENTS_DIR not set: nothing to prune")
        return 0
    removed = prune_all(settings, older_than=timedelta(minutes=args.older_than_minutes))
    print(f"已删除 {len(removed)} 个无引用的附件文件 / removed {len(removed)} unreferenced files: "
          + json.dumps(removed))
    return 0
