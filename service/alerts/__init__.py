"""Escalation alerts to leaders: one alert per fired escalation rung and audience (a unit, or
the leaders and coordinators of a region), acknowledged on the dashboard and delivered through
pluggable channels (webhook, e-mail, DingTalk, WeCom) as RQ jobs."""
