"""The single settings object; nothing else reads os.environ."""

from __future__ import annotations

from datetime import date
from functools import lru_cache

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    database_url: str = "sqlite:///./yuqing.db"
    redis_url: str | None = None  # unset: embedded mode, items processed inline
    timezone: str = "Asia/Shanghai"
    org_file: str | None = None  # None: the shipped demo organisation
    policy_file: str | None = None  # None: the shipped policy
    queue_name: str = "yuqing"
    # bearer token → role ("ingest", "coordinator", "viewer"), e.g. '{"s3cret": "ingest"}'
    api_tokens: dict[str, str] = {}
    demo: bool = False  # demo mode adds the well-known demo tokens of README
    # learned topic models of this deployment (classifier.registry); empty: the packaged default
    model_dir: str = "./models"
    # login sessions (cookie "yuqing_session"): lifetime; the Secure flag is off by default
    # because the embedded default serves plain http on 127.0.0.1 — set COOKIE_SECURE=true
    # behind TLS, or browsers would send the cookie over http too
    session_hours: float = 12
    cookie_secure: bool = False
    login_max_failures: int = 5  # consecutive wrong passwords before the account is locked ...
    login_lock_minutes: float = 15  # ... for this long
    # live dashboard (dashboard.hub): changes are gathered for this long and pushed once per
    # viewer scope; the p99 target of 500 ms from change to screen includes this window
    live_flush_seconds: float = 0.25
    live_queue_size: int = 32  # messages waiting for one slow socket before it is told to resync
    # permessage-deflate compresses every message once per socket, on the event loop: measured
    # to double the p99 of the live push at 500 sockets (bench/README.md); on by choice only
    ws_deflate: bool = False
    # escalation alerts (service.alerts): links in messages point here; e-mail goes through
    # this SMTP server; a failed delivery job is retried after these pauses (seconds)
    public_url: str = "http://127.0.0.1:8000"
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_user: str | None = None
    smtp_password: str | None = None
    smtp_from: str = "yuqing@localhost"
    smtp_starttls: bool = False
    alert_timeout_seconds: float = 10
    alert_retry_intervals: list[int] = [10, 60, 300]
    # leaders' daily digest (service.alerts.digest_service): the sweep builds and sends it
    # once this local hour (0–23, in `timezone`) of the day has passed
    digest_hour: int = Field(8, ge=0, le=23)
    # input bounds (service.inputs): an item's received_at lies between the floor (local
    # midnight) and now + the margin; request bodies are cut off past these sizes (413)
    received_at_floor: date = date(2000, 1, 1)
    received_at_ahead_minutes: float = Field(10, ge=0)
    body_limit_bytes: int = Field(64 * 1024, ge=1024)  # auth, workflow and every other route
    items_body_limit_bytes: int = Field(4 * 1024 * 1024, ge=1024)  # POST /api/items (batches)

    @field_validator("redis_url")
    @classmethod
    def _empty_is_none(cls, v: str | None) -> str | None:
        return v or None

    @field_validator("api_tokens")
    @classmethod
    def _known_roles(cls, v: dict[str, str]) -> dict[str, str]:
        bad = {r for r in v.values() if r not in ROLES}
        if bad:
            raise ValueError(f"API_TOKENS: unknown roles {sorted(bad)}")
        return v

    def tokens(self) -> dict[str, str]:
        return {**(DEMO_TOKENS if self.demo else {}), **self.api_tokens}


ROLES = ("ingest", "coordinator", "viewer")
DEMO_TOKENS = {"demo-ingest": "ingest", "demo-coordinator": "coordinator", "demo-viewer": "viewer"}


@lru_cache
def get_settings() -> Settings:
    return Settings()
