"""Settings from the environment and `.env`. A missing or invalid one stops start-up with one line."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["PROJECT_DIR", "Settings", "SettingsError", "load_settings"]

PROJECT_DIR = Path(__file__).resolve().parent.parent
DEFAULT_PROGRAMME = PROJECT_DIR / "programmes" / "kota-pekalongan.toml"
WILAYAH_FILE = PROJECT_DIR / "programmes" / "wilayah.csv"  # Kemendagri codes, MIT (WILAYAH-LICENSE.md)
_TELEGRAM_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")


class SettingsError(ValueError):
    """One line naming the setting and what is wrong with it."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", frozen=True, populate_by_name=True
    )

    data_dir: Path = Field(default=Path("data"), validation_alias="JARING_DATA_DIR")
    database_url: str = Field(default="", validation_alias="DATABASE_URL")
    program_file: Path = Field(default=DEFAULT_PROGRAMME, validation_alias="JARING_PROGRAM_FILE")
    wilayah_file: Path = Field(default=WILAYAH_FILE, validation_alias="JARING_WILAYAH_FILE")
    secret_key: str = Field(default="", validation_alias="JARING_SECRET_KEY", repr=False)
    environment: Literal["development", "production"] = Field(default="development", validation_alias="JARING_ENV")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(default="INFO", validation_alias="JARING_LOG_LEVEL")
    # "json": one JSON object per line (for journald, Loki, a log shipper); "text": for a person reading.
    log_format: Literal["text", "json"] = Field(default="text", validation_alias="JARING_LOG_FORMAT")
    # How long start-up keeps trying a database that does not answer (one line each try) before it gives
    # up; 0: for ever (under systemd, which restarts it anyway, either is fine).
    database_wait_seconds: float = Field(default=300.0, ge=0, validation_alias="JARING_DATABASE_WAIT_SECONDS")

    # `jaring serve`: the web app (webhooks, /healthz) and the channels.
    # An heir's claim case nobody has touched for this many days gets a reminder (once per idle spell).
    claim_reminder_days: int = Field(default=3, ge=1, le=60, validation_alias="JARING_CLAIM_REMINDER_DAYS")
    host: str = Field(default="127.0.0.1", validation_alias="JARING_HOST")
    # `jaring serve` as this many processes sharing one port (PostgreSQL only; docs/DEPLOY.md).
    workers: int = Field(default=1, ge=1, le=64, validation_alias="JARING_WORKERS")
    # /metrics: with a token, only requests carrying `Authorization: Bearer <token>`; without one, only
    # requests from this machine that did not come through a proxy (docs/DEPLOY.md).
    metrics_token: str = Field(default="", validation_alias="JARING_METRICS_TOKEN", repr=False)
    # Flood protection: one person sending more than this many messages within this many seconds is
    # told once to slow down; their further messages in that window are recorded but not acted on.
    flood_messages: int = Field(default=20, ge=2, le=1000, validation_alias="JARING_FLOOD_MESSAGES")
    flood_seconds: float = Field(default=10.0, gt=0, le=3600, validation_alias="JARING_FLOOD_SECONDS")
    port: int = Field(default=8080, ge=0, le=65535, validation_alias="JARING_PORT")
    telegram_bot_token: str = Field(default="", validation_alias="TELEGRAM_BOT_TOKEN", repr=False)
    telegram_api_base: str = Field(default="https://api.telegram.org", validation_alias="TELEGRAM_API_BASE")
    telegram_webhook_url: str = Field(default="", validation_alias="TELEGRAM_WEBHOOK_URL")
    telegram_webhook_secret: str = Field(default="", validation_alias="TELEGRAM_WEBHOOK_SECRET", repr=False)
    telegram_messages_per_second: float = Field(default=30.0, gt=0, validation_alias="TELEGRAM_MESSAGES_PER_SECOND")
    telegram_messages_per_second_per_chat: float = Field(
        default=1.0, gt=0, validation_alias="TELEGRAM_MESSAGES_PER_SECOND_PER_CHAT"
    )
    whatsapp_token: str = Field(default="", validation_alias="WHATSAPP_TOKEN", repr=False)
    whatsapp_phone_number_id: str = Field(default="", validation_alias="WHATSAPP_PHONE_NUMBER_ID")
    whatsapp_app_secret: str = Field(default="", validation_alias="WHATSAPP_APP_SECRET", repr=False)
    whatsapp_verify_token: str = Field(default="", validation_alias="WHATSAPP_VERIFY_TOKEN", repr=False)
    whatsapp_api_base: str = Field(default="https://graph.facebook.com/v23.0", validation_alias="WHATSAPP_API_BASE")
    whatsapp_template_name: str = Field(default="", validation_alias="WHATSAPP_TEMPLATE_NAME")
    whatsapp_template_language: str = Field(default="id", validation_alias="WHATSAPP_TEMPLATE_LANGUAGE")
    whatsapp_messages_per_second: float = Field(default=80.0, gt=0, validation_alias="WHATSAPP_MESSAGES_PER_SECOND")
    # Where officers' browsers reach `jaring serve` (the reverse proxy's https:// address in production):
    # the sign-in links given in the chat start with it. Empty: http://JARING_HOST:JARING_PORT.
    web_url: str = Field(default="", validation_alias="JARING_WEB_URL")
    web_session_hours: float = Field(default=9.0, gt=0, le=24, validation_alias="JARING_WEB_SESSION_HOURS")

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @field_validator("database_url")
    @classmethod
    def _supported_database(cls, value: str) -> str:
        if value and not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError("must start with sqlite+aiosqlite:// or postgresql+asyncpg://")
        return value

    @field_validator(
        "telegram_bot_token",
        "metrics_token",
        "telegram_webhook_url",
        "telegram_webhook_secret",
        "whatsapp_token",
        "whatsapp_phone_number_id",
        "whatsapp_app_secret",
        "whatsapp_verify_token",
        "whatsapp_template_name",
        "whatsapp_template_language",
    )
    @classmethod
    def _strip(cls, value: str) -> str:
        return value.strip()

    @field_validator("telegram_api_base", "whatsapp_api_base")
    @classmethod
    def _http_base(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with https:// (or http:// for an API server on this machine)")
        return value

    @field_validator("web_url")
    @classmethod
    def _web_url(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if value and not value.startswith(("http://", "https://")):
            raise ValueError(
                "must start with https:// (what officers' browsers open), e.g. https://jaring.example.go.id"
            )
        return value

    @field_validator("telegram_webhook_secret")
    @classmethod
    def _telegram_secret(cls, value: str) -> str:
        if value and not _TELEGRAM_SECRET.fullmatch(value):
            raise ValueError("1 to 256 characters, only A-Z, a-z, 0-9, _ and - (Telegram's rule)")
        return value

    @property
    def whatsapp_missing(self) -> list[str]:
        """The WhatsApp settings still unset (all four are needed to serve WhatsApp)."""
        required = {
            "WHATSAPP_TOKEN": self.whatsapp_token,
            "WHATSAPP_PHONE_NUMBER_ID": self.whatsapp_phone_number_id,
            "WHATSAPP_APP_SECRET": self.whatsapp_app_secret,
            "WHATSAPP_VERIFY_TOKEN": self.whatsapp_verify_token,
        }
        return [name for name, value in required.items() if not value]

    @property
    def whatsapp_configured(self) -> bool:
        return not self.whatsapp_missing

    @property
    def desk_url(self) -> str:
        """The web desk's base address, for the sign-in links."""
        return f"{self.web_url or f'http://{self.host}:{self.port}'}/dinas"

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite+aiosqlite:///{(self.data_dir / 'jaring.db').resolve()}"


_ENV_NAMES = {
    name: str(field.validation_alias) for name, field in Settings.model_fields.items() if field.validation_alias
}


def load_settings(**overrides: object) -> Settings:
    try:
        settings = Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        error = exc.errors()[0]
        field = str(error["loc"][0]) if error["loc"] else "settings"
        raise SettingsError(f"invalid setting {_ENV_NAMES.get(field, field)}: {error['msg']}") from exc
    if settings.environment == "production" and not settings.secret_key:
        raise SettingsError("missing setting JARING_SECRET_KEY: required when JARING_ENV=production")
    if not settings.program_file.is_file():
        raise SettingsError(f"invalid setting JARING_PROGRAM_FILE: no file at {settings.program_file}")
    return settings
