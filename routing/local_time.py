"""The service's time zone, defined here once: Asia/Shanghai (北京时间, UTC+8, no daylight
saving). Deadlines are shown, local days counted and times given without an offset read in
it; the settings (TIMEZONE) and the policy default to it. In routing, with the pure rules
that need it, so service code and rules share one definition."""

from zoneinfo import ZoneInfo

BEIJING_NAME = "Asia/Shanghai"
BEIJING = ZoneInfo(BEIJING_NAME)
BEIJING_LABEL = "北京时间"  # how messages name it
BEIJING_ALIASES = frozenset({BEIJING_NAME, "Asia/Chongqing", "PRC"})  # IANA names of the same zone
