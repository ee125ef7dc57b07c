"""Generated opinion items: many places × problems, with recurring events (for grouping)."""

from __future__ import annotations

import random

TOWNS = ["米山镇", "三甲镇", "神农镇", "陈区镇", "建宁乡", "北诗镇", "石末乡", "河西镇", "马村镇", "原村乡",
         "野川镇", "寺庄镇", "永禄乡", "东城办事处", "南城办事处", "北城办事处"]
ESTATES = ["凤凰", "翠竹", "金泰", "锦绣", "阳光", "幸福", "和平", "康乐", "丽景", "华府", "御景", "蓝湾"]
PROBLEMS = [
    "{p}小区楼下烧烤店油烟扰民，多次反映无人处理",
    "{p}小区附近工地夜间施工噪音太大，影响休息",
    "{p}小区已经停水三天，自来水公司没有说明",
    "{p}路道路施工停工半年，坑洼不平出行困难",
    "{p}村低保评定不公平，希望民政部门核查",
    "{p}小学周边校外辅导班乱收费，家长负担重",
    "{p}市场有商户销售过期食品，要求市场监管部门查处",
    "{p}村征地补偿款迟迟没有发放到位",
    "{p}医院看病排队时间太长，挂号难",
    "{p}公司拖欠农民工工资，讨薪无门",
]


def items(n: int, seed: int = 0) -> list[dict]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        town = rng.choice(TOWNS)
        text = rng.choice(PROBLEMS).format(p=rng.choice(ESTATES))
        out.append({"source": "bench", "external_id": f"b-{seed}-{i}", "text": f"{town}{text}（编号{i}）"})
    return out
