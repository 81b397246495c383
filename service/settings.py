"""Service settings from the environment (prefix OUTREACH_GUARD_), read once and cached."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Annotated

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="OUTREACH_GUARD_", extra="ignore")

    # Comma-separated in the environment; empty means no key is required.
    api_keys: Annotated[list[str], NoDecode] = Field(default_factory=list, repr=False)
    max_text_chars: int = Field(20_000, ge=1)
    max_batch: int = Field(1_000, ge=1)
    max_body_bytes: int = Field(32 * 1024 * 1024, ge=1024)
    mask_pii: bool = True
    model_path: Path | None = None
    use_model: bool = True
    log_level: str = "INFO"

    @field_validator("api_keys", mode="before")
    @classmethod
    def _split_keys(cls, v: object) -> object:
        if isinstance(v, str):
            return [k.strip() for k in v.split(",") if k.strip()]
        return v

    @property
    def auth_enabled(self) -> bool:
        return bool(self.api_keys)


@lru_cache
def get_settings() -> Settings:
    return Settings()
