"""Where a person's or a file's items come from (the `source` of an item, half of its
idempotency key), as the officers call them. Pure data."""

from __future__ import annotations

# source → 中文名 (the 舆情报送 form and the import page offer these; API machines may post others)
SOURCE_KINDS: dict[str, str] = {
    "web": "网站/论坛", "weibo": "微博", "wechat": "微信公众号/群", "video": "抖音/快手等短视频",
    "media": "新闻媒体", "12345": "12345政务服务便民热线", "leader": "领导批示", "letter": "来信来访", "other": "其他",
}


def source_problem(source: str) -> tuple[str, str] | None:
    if source in SOURCE_KINDS:
        return None
    return (f"来源类型须为：{'、'.join(SOURCE_KINDS.values())}",
            f"source must be one of {', '.join(SOURCE_KINDS)}")
