"""The single settings object; nothing else reads os.environ."""

from __future__ import annotations

from functools import lru_cache

from pydantic import field_validator
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
