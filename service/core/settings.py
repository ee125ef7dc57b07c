"""The single settings object; nothing else reads os.environ."""

from __future__ import annotations

from datetime import date
from functools import lru_cache

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from routing.local_time import BEIJING_NAME


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    database_url: str = "sqlite:///./yuqing.db"
    redis_url: str | None = None  # unset: embedded mode, items processed inline
    timezone: str = BEIJING_NAME  # IANA name (routing.local_time)
    org_file: str | None = None  # None: the shipped demo organisation
    policy_file: str | None = None  # None: the shipped policy
    queue_name: str = "yuqing"
    # bearer token → role ("ingest", "coordinator", "viewer"), e.g. '{"s3cret": "ingest"}'
    api_tokens: dict[str, str] = {}
    demo: bool = False  # demo mode adds the well-known demo tokens of README
    demo_force: bool = False  # demo mode on a non-SQLite database is refused without this
    # learned topic models of this deployment (classifier.registry); empty: the packaged default
    model_dir: str = "./models"
    # login sessions (cookie "yuqing_session"): lifetime; the Secure flag follows PUBLIC_URL
    # (https → Secure) unless COOKIE_SECURE says otherwise
    session_hours: float = 12
    cookie_secure: bool | None = None
    # sign-in throttling (service.auth.throttle): after this many counted attempts per
    # account name (known or not) or per source address, each further attempt waits a delay
    # doubling from login_delay_seconds up to login_delay_max_seconds (429 + Retry-After
    # inside it); counts lapse after the window without attempts
    login_max_failures: int = Field(5, ge=1)
    login_source_max_failures: int = Field(20, ge=1)
    login_delay_seconds: float = Field(30, gt=0)
    login_delay_max_seconds: float = Field(900, gt=0)
    login_failure_window_minutes: float = Field(60, gt=0)
    # live dashboard (dashboard.hub): changes are gathered for this long and pushed once per
    # viewer scope; the p99 target of 500 ms from change to screen includes this window
    live_flush_seconds: float = 0.25
    # the wall's figures (GET /api/dashboard/wall) are read once per viewer scope and shared by
    # every screen of that scope for this long (dashboard.scope_cache); 0: read per request
    wall_cache_seconds: float = Field(2, ge=0)
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
    # where deliveries may go (service.alerts.egress; README "Security"): webhook hosts by
    # name, and the only private networks any delivery (or SMTP_HOST) may reach, e.g.
    # "hooks.example.gov.cn, 10.20.0.0/16"; robots go to their vendors' hosts only
    alert_host_allowlist: str = ""
    alert_retry_intervals: list[int] = [10, 60, 300]
    # `yuqing audit checkpoint` signs the chain heads with this key (HMAC-SHA256); keep it
    # out of the database and its backups — the file wins over the variable when both are set
    audit_checkpoint_key: str | None = None
    audit_checkpoint_key_file: str | None = None
    # GET /metrics answers only `Authorization: Bearer <metrics_token>`; unset: 404 (off)
    metrics_token: str | None = None
    # leaders' daily digest (service.alerts.digest_service): the sweep builds and sends it
    # once this local hour (0–23, in `timezone`) of the day has passed
    digest_hour: int = Field(8, ge=0, le=23)
    # embedded mode (no REDIS_URL): `serve` runs the sweep in-process every this many seconds,
    # the first pass at start-up, one process at a time per database (service.escalation.sweeper); 0: off.
    # With REDIS_URL the `sweep --every` process does it (docker-compose's scheduler).
    sweep_seconds: float = Field(60, ge=0)
    # PostgreSQL lost lock holders (service.core.db, service.incidents.ingest): a batch waits this long at
    # most for the grouping lock (then it is retried later), and a session idle inside a
    # transaction this long is ended by the server, so a frozen or half-dead holder frees
    # its locks within seconds. The idle limit must exceed any pause inside a transaction.
    pg_lock_timeout_seconds: float = Field(5, gt=0, le=600)
    pg_idle_in_transaction_seconds: float = Field(20, gt=0, le=3600)
    # input bounds (service.core.inputs): an item's received_at lies between the floor (local
    # midnight) and now + the margin; request bodies are cut off past these sizes (413)
    received_at_floor: date = date(2000, 1, 1)
    received_at_ahead_minutes: float = Field(10, ge=0)
    body_limit_bytes: int = Field(64 * 1024, ge=1024)  # auth, workflow and every other route
    items_body_limit_bytes: int = Field(4 * 1024 * 1024, ge=1024)  # POST /api/items (batches)
    # uploads (multipart): the 舆情报送 form with its files, attachments, an import file
    upload_body_limit_bytes: int = Field(25 * 1024 * 1024, ge=1024)
    # attachments (service.attachments): under this directory with random names, or, unset,
    # in the database; each file at most this size, at most this many per item/response/answer
    attachments_dir: str | None = None
    attachment_max_bytes: int = Field(10 * 1024 * 1024, ge=1024)
    attachments_per_owner: int = Field(10, ge=1, le=100)
    # CSV/XLSX import (service.items.importing): at most this many data rows per file
    import_max_rows: int = Field(5000, ge=1, le=100_000)

    @field_validator("redis_url")
    @classmethod
    def _empty_is_none(cls, v: str | None) -> str | None:
        return v or None

    @field_validator("alert_host_allowlist")
    @classmethod
    def _networks_parse(cls, v: str) -> str:
        import ipaddress

        for entry in v.replace(",", " ").split():
            if "/" in entry:
                ipaddress.ip_network(entry.strip("[]"), strict=False)  # ValueError names the bad entry
        return v

    @field_validator("api_tokens")
    @classmethod
    def _known_roles(cls, v: dict[str, str]) -> dict[str, str]:
        bad = {r for r in v.values() if r not in ROLES}
        if bad:
            raise ValueError(f"API_TOKENS: unknown roles {sorted(bad)}")
        return v

    def secure_cookie(self) -> bool:
        return self.cookie_secure if self.cookie_secure is not None else self.public_url.lower().startswith("https://")

    def tokens(self) -> dict[str, str]:
        return {**(DEMO_TOKENS if self.demo else {}), **self.api_tokens}


ROLES = ("ingest", "coordinator", "viewer")
DEMO_TOKENS = {"demo-ingest": "ingest", "demo-coordinator": "coordinator", "demo-viewer": "viewer"}


@lru_cache
def get_settings() -> Settings:
    return Settings()
