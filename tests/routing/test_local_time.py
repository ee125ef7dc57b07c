"""The time zone is defined once (routing.local_time); the code and the dashboard take it
from there, so no copy can drift."""

from __future__ import annotations

import re
from pathlib import Path

from routing.local_time import BEIJING, BEIJING_NAME

ROOT = Path(__file__).parents[2]
# a zone made from a literal, a fixed +8 offset, or the zone's name as a whole string
DEFINES = re.compile(r"""ZoneInfo\(\s*["']|timezone\(\s*timedelta\(\s*hours\s*=\s*8|["']Asia/Shanghai["']""")


def test_the_zone_is_beijing_time() -> None:
    assert str(BEIJING) == BEIJING_NAME == "Asia/Shanghai"


def test_python_defines_the_zone_only_in_routing_local_time() -> None:
    found = [f"{p.relative_to(ROOT)}:{n}" for d in ("service", "routing", "dashboard", "classifier", "bench")
             for p in sorted((ROOT / d).rglob("*.py"))
             for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1) if DEFINES.search(line)]
    assert [f.split(":")[0] for f in found] == ["routing/local_time.py"]


def test_the_dashboard_takes_it_from_common_js() -> None:
    found = {p.name: p.read_text(encoding="utf-8") for p in (ROOT / "dashboard" / "static").glob("*.js")
             if BEIJING_NAME in p.read_text(encoding="utf-8")}
    assert list(found) == ["common.js"]
    assert f'export const ZONE = "{BEIJING_NAME}";' in found["common.js"]
